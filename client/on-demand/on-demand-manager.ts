// All on-demand connections of one account: kept in their store, each with its local
// listener while the manager runs (in `reach up` or the desktop app). The CLI's
// `connection add/set/remove` use the same add, update and remove without listening.
// Every change is checked whole (spec-checks.ts) before anything is written or listened
// on, and changes run one at a time, so a latch being saved and an edit never interleave.
import { randomUUID } from "node:crypto";
import { parseRestriction } from "../../common/local-restriction.js";
import {
  type AddOnDemandInput,
  type OnDemandSpec,
  type OnDemandView,
  type Route,
  SPEC_DEFAULTS,
  type UpdateOnDemandInput,
} from "../../common/on-demand.js";
import { messageOf } from "../../common/result.js";
import type { BrokerClient } from "../broker-client.js";
import { listenAddress } from "./bind-address.js";
import { OnDemandConnection, type OnDemandEnvironment } from "./on-demand-connection.js";
import type { OnDemandStore } from "./on-demand-store.js";
import { pickPort, requireFree } from "./port-picker.js";
import { checkedSpec, listens, listensDifferently } from "./spec-checks.js";

export interface OnDemandManagerOptions extends Omit<OnDemandEnvironment, "onChange" | "onLatch"> {
  store: OnDemandStore;
  onChange?: () => void;
}

export class OnDemandManager {
  private specs: OnDemandSpec[] = [];
  private readonly running = new Map<string, OnDemandConnection>();
  /** Why a connection's listener could not start, by id. */
  private readonly startErrors = new Map<string, string>();
  private listening = false;
  /** Latches taken by a listener and not yet in the file: a reload must not undo them. */
  private readonly unsavedLatches = new Map<string, string>();
  /** The tail of the one-at-a-time queue of changes. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: OnDemandManagerOptions) {}

  /** Loads the store; with `listen`, starts every listener (failures are kept per connection). */
  async start(listen: boolean): Promise<void> {
    this.specs = await this.options.store.load();
    this.listening = listen;
    if (listen) for (const spec of this.specs) await this.startListener(spec);
  }

  /**
   * Re-reads the store (another process added, changed or removed some) and follows it:
   * listeners of removed or switched-off connections close, moved ones listen anew, and
   * the others take the new settings as they run.
   */
  reload(): Promise<void> {
    return this.serially(async () => {
      const specs = (await this.options.store.load()).map((spec) => this.withUnsavedLatch(spec));
      const byId = new Map(specs.map((s) => [s.id, s]));
      for (const [id, connection] of this.running) {
        const spec = byId.get(id);
        if (spec && !listensDifferently(connection.view(), spec)) {
          try {
            connection.respec(spec);
            continue;
          } catch {
            // A hand-edited restriction that does not parse: close, and startListener
            // below keeps the sentence as the connection's reason.
          }
        }
        this.running.delete(id);
        await connection.close();
      }
      this.specs = specs;
      if (this.listening) {
        for (const spec of specs) if (!this.running.has(spec.id)) await this.startListener(spec);
      }
      this.changed();
    });
  }

  list(): OnDemandView[] {
    return this.specs.map((spec) => {
      const running = this.running.get(spec.id);
      if (running) return running.view();
      const error = this.startErrors.get(spec.id) ?? null;
      return {
        ...spec,
        address: listenAddress(spec.bind, spec.port),
        status: !spec.enabled ? "off" : error ? "failed" : "idle",
        path: null,
        pathSince: null,
        lastFailure: null,
        reason: error,
        bytesIn: 0,
        bytesOut: 0,
        openSockets: 0,
        refused: 0,
        connectionId: null,
      };
    });
  }

  /** Adds a connection; checked whole, nothing saved or listened on when a check fails. */
  add(input: AddOnDemandInput): Promise<OnDemandView> {
    return this.serially(async () => {
      const client = this.options.client();
      if (!client) throw new Error("Sign in to a broker first.");
      const route = input.route ?? routeOf(input.p2p ?? true, input.failover ?? true);
      const service = await findService(client, input.serviceId);
      this.specs = await this.options.store.load();
      const draft = checkedSpec({
        id: randomUUID(),
        serviceId: input.serviceId,
        serviceName: service.name,
        deviceName: service.deviceName,
        application: service.application,
        // Checked with the rest; the real port is picked below, once the bind is known good.
        port: input.port ?? 1,
        name: input.name ?? service.name,
        route,
        enabled: input.enabled ?? SPEC_DEFAULTS.enabled,
        bind: input.bind ?? SPEC_DEFAULTS.bind,
        restrict: input.restrict ?? SPEC_DEFAULTS.restrict,
        latchedIp: SPEC_DEFAULTS.latchedIp,
        idleTimeout: input.idleTimeout ?? SPEC_DEFAULTS.idleTimeout,
        publicMode: input.publicMode ?? SPEC_DEFAULTS.publicMode,
        publicIp: input.publicIp ?? SPEC_DEFAULTS.publicIp,
        copyTemplate: input.copyTemplate ?? SPEC_DEFAULTS.copyTemplate,
        launchTemplate: input.launchTemplate ?? SPEC_DEFAULTS.launchTemplate,
        username: input.username ?? SPEC_DEFAULTS.username,
      });
      const taken = new Set(this.specs.map((s) => s.port));
      const spec = { ...draft, port: await pickPort(input.port, taken, draft.bind) };
      if (this.listening && listens(spec)) {
        const connection = this.connectionFor(spec);
        await connection.listen();
        this.running.set(spec.id, connection);
      }
      this.specs = [...this.specs, spec];
      await this.options.store.save(this.specs);
      this.changed();
      return this.viewOf(spec.id);
    });
  }

  /**
   * Changes a connection's settings, checked whole first. Refused while local programs use
   * it when the change needs a new listener (the user disconnects first); a listener whose
   * port, address, route or switch changed listens anew, and if it cannot the old one is
   * put back and nothing is saved. Giving a restriction (even the same one) forgets the
   * latched address, as changing the bind address does.
   */
  update(input: UpdateOnDemandInput): Promise<OnDemandView> {
    return this.serially(async () => {
      this.specs = await this.options.store.load();
      const current = this.specs.find((spec) => spec.id === input.id);
      if (!current)
        throw new Error(`There is no on-demand connection with id ${JSON.stringify(input.id)}.`);
      const { id: _id, ...patch } = input;
      const next = checkedSpec({ ...current, ...definedOnly(patch) });
      if (patch.restrict !== undefined || next.bind !== current.bind) next.latchedIp = null;
      if (next.port !== current.port && this.specs.some((s) => s.port === next.port)) {
        throw new Error(`Port ${next.port} already belongs to another on-demand connection.`);
      }
      const relisten = listensDifferently(current, next);
      const running = this.running.get(input.id);
      // Only sockets in use hold a change back: an open path with none is let go (the next
      // connect opens it again), and switching off is how a connection is disconnected.
      if (relisten && next.enabled && running && running.view().openSockets > 0) {
        throw new Error(
          `${current.name} is connected: disconnect it before changing how it listens.`,
        );
      }
      if (relisten && running) await this.relisten(running, current, next);
      else if (relisten && listens(next) && this.listening) {
        const connection = this.connectionFor(next);
        await connection.listen();
        this.running.set(next.id, connection);
      } else if (relisten && listens(next) && next.port !== current.port) {
        // Not listening here (the CLI): `reach up` may hold the old port for this very
        // connection, so only a new port can be probed; up reports if it cannot listen.
        await requireFree(next.port, next.bind);
      }
      this.specs = this.specs.map((spec) => (spec.id === input.id ? next : spec));
      this.unsavedLatches.delete(input.id);
      await this.options.store.save(this.specs);
      if (!relisten) running?.respec(next);
      if (this.listening && !this.running.has(next.id)) await this.startListener(next);
      this.changed();
      return this.viewOf(input.id);
    });
  }

  remove(id: string): Promise<void> {
    return this.serially(async () => {
      this.specs = await this.options.store.load();
      if (!this.specs.some((spec) => spec.id === id)) {
        throw new Error(`There is no on-demand connection with id ${JSON.stringify(id)}.`);
      }
      this.specs = this.specs.filter((spec) => spec.id !== id);
      await this.options.store.save(this.specs);
      const connection = this.running.get(id);
      this.running.delete(id);
      this.startErrors.delete(id);
      this.unsavedLatches.delete(id);
      await connection?.close();
      this.changed();
    });
  }

  async stop(): Promise<void> {
    const connections = [...this.running.values()];
    this.running.clear();
    this.listening = false;
    await Promise.all(connections.map((c) => c.close()));
    // A latch still being written finishes, so the file is whole when the process exits.
    await this.queue;
  }

  /** Starts a connection's listener if it has one; a failure is kept as its reason. */
  private async startListener(spec: OnDemandSpec): Promise<void> {
    this.startErrors.delete(spec.id);
    if (!listens(spec)) return;
    try {
      const connection = this.connectionFor(spec);
      await connection.listen();
      this.running.set(spec.id, connection);
    } catch (error) {
      this.startErrors.set(spec.id, messageOf(error));
    }
  }

  /** Moves a running listener to the next spec, or puts the current one back and throws. */
  private async relisten(
    running: OnDemandConnection,
    current: OnDemandSpec,
    next: OnDemandSpec,
  ): Promise<void> {
    this.running.delete(next.id);
    await running.close();
    if (!listens(next)) return;
    const connection = this.connectionFor(next);
    try {
      await connection.listen();
    } catch (error) {
      await this.startListener(current);
      throw error;
    }
    this.running.set(next.id, connection);
  }

  private connectionFor(spec: OnDemandSpec): OnDemandConnection {
    const { client, p2pWaitMs, p2pBindAddress, p2pDirect, deviceWaitMs } = this.options;
    return new OnDemandConnection(spec, {
      client,
      p2pWaitMs,
      p2pBindAddress,
      p2pDirect,
      deviceWaitMs,
      onChange: () => this.changed(),
      onLatch: (id, address) => this.saveLatch(id, address),
    });
  }

  /** Writes a listener's latch to the store, so the same client is the one let in after a restart. */
  private saveLatch(id: string, address: string): void {
    this.unsavedLatches.set(id, address);
    this.changed();
    void this.serially(async () => {
      if (this.unsavedLatches.get(id) !== address) return;
      const specs = await this.options.store.load();
      const spec = specs.find((s) => s.id === id);
      // An edit in between (a new restriction, a move) already forgot this latch.
      if (spec && spec.latchedIp === null && isLatching(spec)) {
        this.specs = specs.map((s) => (s.id === id ? { ...s, latchedIp: address } : s));
        await this.options.store.save(this.specs);
      }
      this.unsavedLatches.delete(id);
    }).catch(() => {
      // The store cannot be written (a full or read-only disk): the listener and reloads
      // keep the latch in memory (unsavedLatches), so only a restart would lose it.
    });
  }

  /** The file's spec, with a latch its listener took that is not in the file yet. */
  private withUnsavedLatch(spec: OnDemandSpec): OnDemandSpec {
    const latched = this.unsavedLatches.get(spec.id);
    return latched && spec.latchedIp === null && isLatching(spec)
      ? { ...spec, latchedIp: latched }
      : spec;
  }

  private viewOf(id: string): OnDemandView {
    return this.list().find((view) => view.id === id) as OnDemandView;
  }

  /** Runs changes one at a time, in the order asked; a failed one does not stop the next. */
  private serially<T>(change: () => Promise<T>): Promise<T> {
    const run = this.queue.then(change, change);
    this.queue = run.catch(() => {});
    return run;
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

/** Whether a spec's restriction latches (however a hand-edited file spells it). */
function isLatching(spec: OnDemandSpec): boolean {
  const parsed = parseRestriction(spec.restrict);
  return parsed.ok && parsed.restriction.kind === "latching";
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
