// Saved connections as the window and tray use them: Connect and Disconnect for every
// route (a local one switches its listener, a public one asks the broker for its proxy),
// and Copy and Launch through the connection's templates. The local listeners are the
// OnDemandManager's; what this adds is the public half (which broker connection carries a
// saved one) and the one place templates are resolved for use.
import type { BrokerClient } from "../../client/broker-client.js";
import type { OnDemandManager } from "../../client/on-demand/on-demand-manager.js";
import {
  type ConnectionState,
  type DesktopInput,
  type DeviceView,
  externalUrl,
  type UseOutcome,
} from "../../common/desktop-api.js";
import { hostIpFor } from "../../common/host-ip.js";
import {
  checkTemplate,
  checkTokenValues,
  checkUsername,
  isUrlTemplate,
  localTokenValues,
  resolveTemplate,
  splitAddress,
  type TokenValues,
  templatesOf,
} from "../../common/launch-templates.js";
import type {
  AddOnDemandInput,
  OnDemandView,
  UpdateOnDemandInput,
} from "../../common/on-demand.js";
import type { ConnectionTracker } from "./connection-tracker.js";
import type { HostServices } from "./host-services.js";

export interface SavedConnectionsOptions {
  /** The signed-in account's manager; null while signed out. */
  manager: () => OnDemandManager | null;
  tracker: ConnectionTracker;
  host: HostServices;
  client: () => BrokerClient | null;
  devices: () => DeviceView[];
  /** This machine's address as the broker sees it: a restricted proxy without an address of its own uses it. */
  myIp: () => string | null;
  /** settings.terminal, read at each launch. */
  terminal: () => string | null;
  changed: () => void;
}

export class SavedConnections {
  /** Saved connection id → the broker connection carrying its public proxy. */
  private readonly links = new Map<string, string>();
  /** Why a public one's last Connect failed, until the next. */
  private readonly failures = new Map<string, string>();

  constructor(private readonly options: SavedConnectionsOptions) {}

  private manager(): OnDemandManager {
    const manager = this.options.manager();
    if (!manager) throw new Error("Sign in first.");
    return manager;
  }

  /** The manager's views, public ones overlaid with their broker connection's state. */
  list(): OnDemandView[] {
    return this.manager()
      .list()
      .map((view) => this.overlay(view));
  }

  find(id: string): OnDemandView {
    const view = this.list().find((v) => v.id === id);
    if (!view) throw new Error(`There is no on-demand connection with id ${JSON.stringify(id)}.`);
    return view;
  }

  /**
   * Why an add or update may not be saved, or null: an unknown token or a scheme outside
   * the allowlist in a template, a username a shell would read, a public proxy still up.
   */
  refusal(input: AddOnDemandInput | UpdateOnDemandInput): string | null {
    if ("id" in input) {
      const current = this.find(input.id);
      if (current.route === "public" && this.activeConnection(current)) {
        return `${current.name} is connected through its public proxy: disconnect it before editing.`;
      }
    }
    if (input.copyTemplate) {
      const problem = checkTemplate(input.copyTemplate, "copy");
      if (problem) return problem;
    }
    if (input.launchTemplate) {
      const problem = checkTemplate(input.launchTemplate, "launch");
      if (problem) return problem;
    }
    return input.username ? checkUsername(input.username) : null;
  }

  /** Connect: a local route listens; a public one gets its broker proxy (hostIP from its mode). */
  async start(id: string): Promise<OnDemandView> {
    const view = this.find(id);
    if (view.route !== "public") return this.manager().update({ id, enabled: true });
    if (this.activeConnection(view)) return view;
    const client = this.options.client();
    if (!client) throw new Error("Sign in to a broker first.");
    const address = view.publicIp ?? this.options.myIp();
    if (view.publicMode === "restricted" && !address) {
      throw new Error(
        `${view.name} is restricted to one address, and none is set: enter the address, or refresh so Reach learns this machine's.`,
      );
    }
    let connection: ConnectionState;
    try {
      // AUTO_PROXY: the broker gives web services its reverse proxy, others a port proxy.
      const made = await client.connect(view.serviceId, hostIpFor(view.publicMode, address ?? ""));
      this.options.tracker.forgetEnded(view.serviceId);
      connection = this.options.tracker.upsert(made, this.options.devices());
    } catch (error) {
      this.failures.set(id, error instanceof Error ? error.message : String(error));
      this.options.changed();
      throw error;
    }
    this.failures.delete(id);
    this.links.set(id, connection.id);
    return this.overlay(await this.manager().update({ id, enabled: true }));
  }

  /** Disconnect: a local route stops listening; a public one's broker proxy is closed. */
  async stop(id: string): Promise<OnDemandView> {
    const view = this.find(id);
    if (view.route === "public") {
      const connection = this.activeConnection(view);
      const client = this.options.client();
      if (connection && client) {
        await client.disconnect(connection.id);
        this.options.tracker.end(connection.id, "closed");
      }
      this.links.delete(id);
      this.failures.delete(id);
    }
    return this.overlay(await this.manager().update({ id, enabled: false }));
  }

  async copy(input: DesktopInput<"copyOnDemand">): Promise<UseOutcome> {
    const { view, values } = await this.prepare(input);
    const template = templatesOf(view).copy;
    const problem = checkTemplate(template, "copy");
    if (problem) throw new Error(problem);
    const resolved = resolveTemplate(template, values);
    if (!resolved.ok) return { done: false, missing: resolved.missing };
    const byHost = await this.options.host.copyText(resolved.text);
    return { done: true, text: resolved.text, kind: "copy", byHost };
  }

  async launch(input: DesktopInput<"launchOnDemand">): Promise<UseOutcome> {
    const { view, values } = await this.prepare(input);
    const template = templatesOf(view).launch;
    if (template === null) {
      throw new Error(
        `${view.name} has nothing to launch: give it a launch template (a URL or a command), or use Copy.`,
      );
    }
    const problem = checkTemplate(template, "launch");
    if (problem) throw new Error(problem);
    const resolved = resolveTemplate(template, values);
    if (!resolved.ok) return { done: false, missing: resolved.missing };
    if (isUrlTemplate(template)) {
      const href = externalUrl(resolved.text);
      if (href === null) throw new Error(`"${resolved.text}" is not a URL Reach opens.`);
      const byHost = await this.options.host.openExternal(href);
      return { done: true, text: href, kind: "url", byHost };
    }
    const byHost = await this.options.host.runInTerminal(resolved.text, this.options.terminal());
    return { done: true, text: resolved.text, kind: "command", byHost };
  }

  /** Forgets which broker connections carried public ones (signed out: they are another account's). */
  clear(): void {
    this.links.clear();
    this.failures.clear();
  }

  /**
   * The connection and its token values, a given username checked and remembered first (so
   * it is asked once, and kept across restarts in the connection's spec).
   */
  private async prepare(
    input: DesktopInput<"copyOnDemand">,
  ): Promise<{ view: OnDemandView; values: TokenValues }> {
    let view = this.find(input.id);
    if (input.username !== undefined && input.username !== view.username) {
      const refusal = checkUsername(input.username);
      if (refusal) throw new Error(refusal);
      view = this.overlay(await this.manager().update({ id: input.id, username: input.username }));
    }
    const values = this.valuesOf(view);
    const refusal = checkTokenValues(values);
    if (refusal) throw new Error(refusal);
    return { view, values };
  }

  private valuesOf(view: OnDemandView): TokenValues {
    if (view.route !== "public") return localTokenValues(view);
    const connection = this.activeConnection(view);
    if (!connection) throw new Error(`${view.name} is not connected: connect it first.`);
    const where = proxyAddress(connection);
    return {
      ...where,
      id: view.serviceId,
      username: view.username ?? undefined,
    };
  }

  /** The live broker connection of a public one: the one it made, or (after a restart) one for its service. */
  private activeConnection(view: OnDemandView): ConnectionState | undefined {
    const { tracker } = this.options;
    const linked = this.links.get(view.id);
    if (linked) {
      const connection = tracker.get(linked);
      return connection?.status === "active" ? connection : undefined;
    }
    if (!view.enabled) return undefined;
    const taken = new Set(this.links.values());
    const adopted = tracker
      .list()
      .find((c) => c.status === "active" && c.serviceId === view.serviceId && !taken.has(c.id));
    if (adopted) this.links.set(view.id, adopted.id);
    return adopted;
  }

  private overlay(view: OnDemandView): OnDemandView {
    if (view.route !== "public") return view;
    const active = this.activeConnection(view);
    const linked = this.links.get(view.id);
    const connection = active ?? (linked ? this.options.tracker.get(linked) : undefined);
    const failure = this.failures.get(view.id) ?? null;
    const base = {
      ...view,
      path: null,
      pathSince: null,
      lastFailure: null,
      openSockets: 0,
      refused: 0,
      connectionId: connection?.id ?? null,
      bytesIn: connection?.bytesIn ?? 0,
      bytesOut: connection?.bytesOut ?? 0,
    };
    if (connection?.status === "active" || connection?.status === "expired") {
      return {
        ...base,
        address: connection.address,
        status: connection.status === "active" ? "public" : "expired",
        reason: null,
      };
    }
    if (failure) return { ...base, address: "", status: "failed", reason: failure };
    return {
      ...base,
      address: "",
      status: view.enabled ? "idle" : "off",
      reason: connection?.status === "closed" ? "Its public proxy was disconnected." : null,
    };
  }
}

/** Host and port of a broker proxy: a reverse proxy's from its URL, a port proxy's from host:port. */
function proxyAddress(connection: ConnectionState): { host: string; port: string } {
  if (connection.reverseProxy) {
    const url = new URL(connection.url);
    return { host: url.hostname, port: url.port || (url.protocol === "https:" ? "443" : "80") };
  }
  const split = splitAddress(connection.address);
  if (!split) throw new Error(`The proxy address "${connection.address}" has no port.`);
  return split;
}
