// All on-demand connections of one account: kept in their store, each with its local
// listener while the manager runs (in `reach up` or the desktop app). The CLI's
// `connection add/remove` use the same add and remove without listening.
import { randomUUID } from "node:crypto";
import {
  type AddOnDemandInput,
  DEFAULT_BIND,
  DEFAULT_IDLE_TIMEOUT_S,
  type OnDemandSpec,
  type OnDemandView,
  type Route,
  type UpdateOnDemandInput,
} from "../../common/on-demand.js";
import { messageOf } from "../../common/result.js";
import type { BrokerClient } from "../broker-client.js";
import { OnDemandConnection, type OnDemandEnvironment } from "./on-demand-connection.js";
import type { OnDemandStore } from "./on-demand-store.js";
import { pickPort } from "./port-picker.js";

export interface OnDemandManagerOptions extends Omit<OnDemandEnvironment, "onChange"> {
  store: OnDemandStore;
  onChange?: () => void;
}

export class OnDemandManager {
  private specs: OnDemandSpec[] = [];
  private readonly running = new Map<string, OnDemandConnection>();
  /** Why a connection's listener could not start, by id. */
  private readonly startErrors = new Map<string, string>();
  private listening = false;

  constructor(private readonly options: OnDemandManagerOptions) {}

  /** Loads the store; with `listen`, starts every listener (failures are kept per connection). */
  async start(listen: boolean): Promise<void> {
    this.specs = await this.options.store.load();
    this.listening = listen;
    if (listen) for (const spec of this.specs) await this.startListener(spec);
  }

  /** Re-reads the store (another process added or removed some) and follows it. */
  async reload(): Promise<void> {
    const specs = await this.options.store.load();
    const ids = new Set(specs.map((s) => s.id));
    for (const [id, connection] of this.running) {
      if (!ids.has(id)) {
        this.running.delete(id);
        await connection.close();
      }
    }
    this.specs = specs;
    if (this.listening) {
      for (const spec of specs) if (!this.running.has(spec.id)) await this.startListener(spec);
    }
    this.changed();
  }

  list(): OnDemandView[] {
    return this.specs.map((spec) => {
      const running = this.running.get(spec.id);
      if (running) return running.view();
      const error = this.startErrors.get(spec.id) ?? null;
      return {
        ...spec,
        address: `127.0.0.1:${spec.port}`,
        status: error ? "failed" : "idle",
        path: null,
        reason: error,
        bytesIn: 0,
        bytesOut: 0,
        openSockets: 0,
        refused: 0,
        connectionId: null,
      };
    });
  }

  async add(input: AddOnDemandInput): Promise<OnDemandView> {
    const client = this.options.client();
    if (!client) throw new Error("Sign in to a broker first.");
    const service = await findService(client, input.serviceId);
    this.specs = await this.options.store.load();
    const port = await pickPort(input.port, new Set(this.specs.map((s) => s.port)));
    const spec: OnDemandSpec = {
      id: randomUUID(),
      serviceId: input.serviceId,
      serviceName: service.name,
      deviceName: service.deviceName,
      application: service.application,
      port,
      name: input.name ?? service.name,
      route: input.route ?? routeOf(input.p2p ?? true, input.failover ?? true),
      enabled: input.enabled ?? true,
      bind: input.bind ?? DEFAULT_BIND,
      restrict: input.restrict ?? "none",
      latchedIp: null,
      idleTimeout: input.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_S,
      publicMode: input.publicMode ?? "latching",
      publicIp: input.publicIp ?? null,
      copyTemplate: input.copyTemplate ?? null,
      launchTemplate: input.launchTemplate ?? null,
      username: input.username ?? null,
    };
    if (this.listening && spec.enabled && spec.route !== "public") {
      const connection = new OnDemandConnection(spec, this.environment());
      await connection.listen();
      this.running.set(spec.id, connection);
    }
    this.specs = [...this.specs, spec];
    await this.options.store.save(this.specs);
    this.changed();
    return this.list().find((view) => view.id === spec.id) as OnDemandView;
  }

  /**
   * Changes a connection's settings. Refused while its path is open (the user disconnects
   * first); a listener whose port, address or route changed is restarted on the new ones.
   * (Track A adds the checks of bind and restrict; this is the contract's shape.)
   */
  async update(input: UpdateOnDemandInput): Promise<OnDemandView> {
    this.specs = await this.options.store.load();
    const current = this.specs.find((spec) => spec.id === input.id);
    if (!current)
      throw new Error(`There is no on-demand connection with id ${JSON.stringify(input.id)}.`);
    const running = this.running.get(input.id);
    const { id: _id, ...patch } = input;
    const next: OnDemandSpec = { ...current, ...definedOnly(patch) };
    const relisten =
      next.port !== current.port ||
      next.bind !== current.bind ||
      next.route !== current.route ||
      next.enabled !== current.enabled;
    // Switching it off is the Disconnect button: it closes the open path rather than refuse.
    const switchingOff = next.enabled === false && current.enabled;
    if (relisten && running && running.view().status === "connected" && !switchingOff) {
      throw new Error(
        `${current.name} is connected: disconnect it before changing how it listens.`,
      );
    }
    if (relisten && running) {
      this.running.delete(input.id);
      await running.close();
    }
    this.specs = this.specs.map((spec) => (spec.id === input.id ? next : spec));
    await this.options.store.save(this.specs);
    if (relisten && this.listening) await this.startListener(next);
    else running?.respec(next);
    this.changed();
    return this.list().find((view) => view.id === input.id) as OnDemandView;
  }

  async remove(id: string): Promise<void> {
    this.specs = await this.options.store.load();
    if (!this.specs.some((spec) => spec.id === id)) {
      throw new Error(`There is no on-demand connection with id ${JSON.stringify(id)}.`);
    }
    this.specs = this.specs.filter((spec) => spec.id !== id);
    await this.options.store.save(this.specs);
    const connection = this.running.get(id);
    this.running.delete(id);
    this.startErrors.delete(id);
    await connection?.close();
    this.changed();
  }

  async stop(): Promise<void> {
    const connections = [...this.running.values()];
    this.running.clear();
    this.listening = false;
    await Promise.all(connections.map((c) => c.close()));
  }

  private async startListener(spec: OnDemandSpec): Promise<void> {
    if (!spec.enabled || spec.route === "public") return;
    const connection = new OnDemandConnection(spec, this.environment());
    try {
      await connection.listen();
      this.running.set(spec.id, connection);
      this.startErrors.delete(spec.id);
    } catch (error) {
      this.startErrors.set(spec.id, messageOf(error));
    }
  }

  private environment(): OnDemandEnvironment {
    const { client, p2pWaitMs, p2pBindAddress } = this.options;
    return { client, p2pWaitMs, p2pBindAddress, onChange: () => this.changed() };
  }

  private changed(): void {
    this.options.onChange?.();
  }
}

async function findService(
  client: BrokerClient,
  serviceId: string,
): Promise<{ name: string; deviceName: string; application: number }> {
  const { devices } = await client.account();
  for (const device of devices) {
    const service = device.services.find((s) => s.id === serviceId);
    if (service) {
      return { name: service.name, deviceName: device.name, application: service.application };
    }
  }
  throw new Error(`There is no service with id ${JSON.stringify(serviceId)} in this account.`);
}

/** The old p2p/failover switches as a route; both off leaves no path. */
function routeOf(p2p: boolean, failover: boolean): Route {
  if (p2p && failover) return "adaptive";
  if (p2p) return "p2p";
  if (failover) return "proxy";
  throw new Error("With both P2P and failover off there is no path: keep one of them.");
}

/** The fields a patch gives (undefined means "leave as it is"; null is a value). */
function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(patch).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
