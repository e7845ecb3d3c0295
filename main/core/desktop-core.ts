// The desktop app's behaviour, free of Electron: holds the credentials, talks to the
// broker, owns the connections and their clocks, and pushes state to whoever listens
// (the Electron shell's window and tray, or the headless host's browser tabs).

import { join } from "node:path";
import { BrokerClient } from "../../client/broker-client.js";
import { type BrokerEvent, watchEvents } from "../../client/broker-events.js";
import { OnDemandManager } from "../../client/on-demand/on-demand-manager.js";
import { OnDemandStore } from "../../client/on-demand/on-demand-store.js";
import { listProfiles, readProfile } from "../../common/credentials-file.js";
import {
  type ConnectionState,
  type DesktopApi,
  type DesktopEvent,
  type DesktopInput,
  type DesktopState,
  type DeviceView,
  externalUrl,
  type PublicLinkView,
  type UseOutcome,
} from "../../common/desktop-api.js";
import type { AddOnDemandInput, OnDemandView } from "../../common/on-demand.js";
import type { ApiCredentials } from "../../common/r3-signature.js";
import { type ErrorDetail, fail, messageOf, ok, type Result } from "../../common/result.js";
import { AccountFile, adoptLegacyOnDemand, onDemandFileOf } from "./accounts.js";
import { type Clock, systemClock } from "./clock.js";
import { ConnectionTracker } from "./connection-tracker.js";
import { errorOf, failure, noDataDir, onDemandFailure, signedOut } from "./core-results.js";
import { DesktopPreferences } from "./desktop-preferences.js";
import { lanAddresses, toDeviceView, toLinkView } from "./device-views.js";
import type { HostServices } from "./host-services.js";
import { LiveSync } from "./live-sync.js";
import { Notifier } from "./notifier.js";
import { SavedConnections } from "./saved-connections.js";
import { SETTINGS_FILE, SettingsStore } from "./settings-store.js";
import { ThisComputer } from "./this-computer.js";
import type { CredentialVault } from "./vault/credential-vault.js";
import { VisitorPoll } from "./visitor-poll.js";

export interface DesktopCoreOptions {
  vault: CredentialVault;
  host: HostServices;
  clock?: Clock;
  /**
   * How often to re-sync with the broker regardless of events: a safety net, since the
   * event subscription (or, when it is down, polling every 5 s) carries changes.
   */
  syncIntervalMs?: number;
  /** The credentials file profiles are imported from (default ~/.reach/credentials). */
  credentialsPath?: string;
  /**
   * Where "This computer" keeps its services and agent identity, and where on-demand
   * connections are kept; none = both features are off.
   */
  dataDir?: string;
  /** Gather P2P candidates of on-demand connections on this address only (tests: loopback). */
  p2pBindAddress?: string;
  /** How long P2P may take before the relay carries a socket (default, and for 0: 3 s). */
  p2pWaitMs?: number;
  /**
   * Headless mode only: whether its server listens on every address now (settings.headlessLan
   * as it was at start). A changed setting applies at the next start, and the state says so.
   */
  headlessLanNow?: boolean;
}

/**
 * How often state is re-pushed while an on-demand path is open: its byte counters move
 * without an event of their own, and the window should show them moving.
 */
const TRAFFIC_REFRESH_MS = 1_000;

/** The safety-net re-sync's default interval. */
const SAFETY_SYNC_MS = 5 * 60_000;

type Listener = (event: DesktopEvent) => void;

interface AccountView {
  email: string;
  devices: DeviceView[];
  myIp: string | null;
}

export class DesktopCore implements DesktopApi {
  private readonly clock: Clock;
  private readonly tracker: ConnectionTracker;
  private readonly listeners = new Set<Listener>();
  private client: BrokerClient | null = null;
  private email = "";
  private devices: DeviceView[] = [];
  private myIp: string | null = null;
  /**
   * This computer's LAN addresses, read when the account is (at sign-in and each sync), not
   * on every push: a snapshot is made up to once a second while a path carries bytes.
   */
  private lanAddresses: string[] = lanAddresses();
  private syncedAt: number | null = null;
  private problem: ErrorDetail | null = null;
  private syncTimer: unknown;
  private readonly thisComputer: ThisComputer | null;
  /** The signed-in account's on-demand connections; none while signed out. */
  private onDemand: OnDemandManager | null = null;
  /** The saved connections' Connect, Disconnect, Copy and Launch (public ones included). */
  private readonly saved: SavedConnections | null;
  private trafficTimer: unknown;
  private trafficSeen = "";
  /** Loaded from the settings file at start (defaults until then, and without a data dir). */
  private readonly preferences: DesktopPreferences;
  private readonly accountFile: AccountFile | null;
  /** The profile the signed-in account came from; null when signed in by key. */
  private activeProfile: string | null = null;
  private profiles: string[] = [];
  private readonly live: LiveSync;
  private readonly notifier: Notifier;
  private readonly visitors: VisitorPoll;
  private stopped = false;

  constructor(private readonly options: DesktopCoreOptions) {
    this.clock = options.clock ?? systemClock;
    this.thisComputer = options.dataDir ? new ThisComputer(options.dataDir) : null;
    this.preferences = new DesktopPreferences(
      options.dataDir ? new SettingsStore(join(options.dataDir, SETTINGS_FILE)) : null,
      options.host,
      options.headlessLanNow,
    );
    this.accountFile = options.dataDir
      ? new AccountFile(join(options.dataDir, "account.json"))
      : null;
    // The notifier sees the expiry in the state this pushes (main/core/notifier.ts).
    this.tracker = new ConnectionTracker(this.clock, () => this.emit());
    this.notifier = new Notifier({
      clock: this.clock,
      notify: (title, body, action) => options.host.notify(title, body, action),
      settings: () => this.preferences.current.notifications,
    });
    this.live = new LiveSync({
      clock: this.clock,
      watch: (handlers) => {
        const credentials = this.client?.credentials;
        if (!credentials) throw new Error("LiveSync started while signed out");
        return watchEvents(credentials.apiUrl, credentials, handlers);
      },
      sync: () => this.sync(),
      onEvent: (event) => this.heard(event),
      onStatus: () => this.emit(),
    });
    this.visitors = new VisitorPoll({
      clock: this.clock,
      wanted: () => !this.stopped && this.client !== null && this.tracker.hasActive(),
      read: () => this.client?.sessions() ?? null,
      apply: (snapshot) => this.tracker.applySessions(snapshot),
      onChange: () => this.emit(),
    });
    this.saved = options.dataDir
      ? new SavedConnections({
          manager: () => this.onDemand,
          tracker: this.tracker,
          host: options.host,
          client: () => this.client,
          devices: () => this.devices,
          myIp: () => this.myIp,
          terminal: () => this.preferences.current.terminal,
          changed: () => this.emit(),
        })
      : null;
  }

  /** Signs in with stored credentials, if any, and starts the periodic re-sync. */
  async start(): Promise<void> {
    await this.preferences.load();
    await this.thisComputer?.load();
    const stored = await this.options.vault.load();
    if (stored) {
      this.client = new BrokerClient(stored);
      const account = await this.accountFile?.load();
      this.activeProfile = account?.accessKeyId === stored.accessKeyId ? account.profile : null;
      await this.thisComputer?.attach(stored).catch(() => {});
      await this.sync().catch(() => {});
      await this.openOnDemand(stored.accessKeyId);
      this.live.start();
    }
    await this.readProfiles();
    this.scheduleSync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.live.stop();
    this.visitors.stop();
    this.notifier.reset();
    this.clock.clearTimeout(this.syncTimer);
    this.clock.clearTimeout(this.trafficTimer);
    this.trafficTimer = undefined;
    // On-demand paths close first: they tell the broker their sessions are over.
    await Promise.all([this.thisComputer?.stop(), this.onDemand?.stop()]);
    this.client?.stop();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): DesktopState {
    const credentials = this.client?.credentials;
    return {
      session: credentials
        ? {
            signedIn: true,
            email: this.email,
            apiUrl: credentials.apiUrl,
            accessKeyId: credentials.accessKeyId,
          }
        : { signedIn: false },
      vault: this.options.vault.status(),
      devices: this.devices,
      connections: this.tracker.list(),
      myIp: this.myIp,
      thisComputer: this.thisComputer?.list() ?? [],
      onDemand: this.onDemand ? (this.saved?.list() ?? []) : [],
      syncedAt: this.syncedAt,
      lanAddresses: this.lanAddresses,
      problem: this.problem,
      settings: this.preferences.current,
      settingsProblem: this.preferences.problem,
      settingsNote: this.preferences.note(),
      accounts: { profiles: this.profiles, active: credentials ? this.activeProfile : null },
      live: this.live.live,
    };
  }

  async getState(): Promise<Result<DesktopState>> {
    return ok(this.snapshot());
  }

  async signIn(input: DesktopInput<"signIn">): Promise<Result<DesktopState>> {
    return this.signInAs(input, null);
  }

  async importProfile(input: DesktopInput<"importProfile">): Promise<Result<DesktopState>> {
    return this.switchAccount({ profile: input.name });
  }

  /** Signs in with a profile of the credentials file; the old account's listeners stop first. */
  async switchAccount(input: DesktopInput<"switchAccount">): Promise<Result<DesktopState>> {
    let profile: Awaited<ReturnType<typeof readProfile>>;
    try {
      profile = await readProfile(input.profile, this.options.credentialsPath);
    } catch (error) {
      return fail("INVALID_INPUT", messageOf(error));
    }
    return this.signInAs(profile, input.profile);
  }

  async listProfiles(): Promise<Result<string[]>> {
    try {
      return ok(await listProfiles(this.options.credentialsPath));
    } catch (error) {
      return fail("INVALID_INPUT", messageOf(error));
    }
  }

  async signOut(): Promise<Result<DesktopState>> {
    // The listeners go first, while the client can still tell the broker their paths ended.
    await this.closeOnDemand();
    this.live.stop();
    this.visitors.stop();
    this.notifier.reset();
    this.client?.stop();
    this.client = null;
    this.email = "";
    this.devices = [];
    this.myIp = null;
    this.problem = null;
    this.activeProfile = null;
    this.tracker.clear();
    this.saved?.clear();
    await this.thisComputer?.attach(null);
    await this.options.vault.clear();
    await this.accountFile?.clear();
    this.emit();
    return ok(this.snapshot());
  }

  async refresh(): Promise<Result<DesktopState>> {
    // The credentials file may have gained or lost profiles since: the switcher follows.
    await this.readProfiles();
    try {
      await this.sync();
      return ok(this.snapshot());
    } catch (error) {
      return failure(error);
    }
  }

  async connect(input: DesktopInput<"connect">): Promise<Result<ConnectionState>> {
    const client = this.client;
    if (!client) return signedOut();
    try {
      const view = await client.connect(input.serviceId, input.hostIP, input.type);
      this.tracker.forgetEnded(input.serviceId);
      const state = this.tracker.upsert(view, this.devices);
      this.emit();
      this.visitors.watch();
      return ok(state);
    } catch (error) {
      return failure(error);
    }
  }

  async disconnect(input: DesktopInput<"disconnect">): Promise<Result<boolean>> {
    const client = this.client;
    if (!client) return signedOut();
    try {
      const closed = await client.disconnect(input.connectionId);
      this.tracker.end(input.connectionId, "closed");
      this.emit();
      return ok(closed);
    } catch (error) {
      return failure(error);
    }
  }

  async disconnectAll(): Promise<Result<number>> {
    let closed = 0;
    for (const connection of this.tracker.list()) {
      if (connection.status !== "active") continue;
      const result = await this.disconnect({ connectionId: connection.id });
      if (!result.ok) return result;
      if (result.value) closed++;
    }
    return ok(closed);
  }

  async copyText(input: DesktopInput<"copyText">): Promise<Result<boolean>> {
    return ok(await this.options.host.copyText(input.text));
  }

  async openExternal(input: DesktopInput<"openExternal">): Promise<Result<boolean>> {
    const href = externalUrl(input.url);
    if (href === null) {
      const message = URL.canParse(input.url)
        ? `Reach does not open ${new URL(input.url).protocol} links.`
        : `"${input.url}" is not a URL.`;
      return fail("INVALID_INPUT", message);
    }
    return ok(await this.options.host.openExternal(href));
  }

  async addLocalService(input: DesktopInput<"addLocalService">): Promise<Result<DesktopState>> {
    return this.changeThisComputer((computer) => computer.add(input));
  }

  async removeLocalService(
    input: DesktopInput<"removeLocalService">,
  ): Promise<Result<DesktopState>> {
    return this.changeThisComputer((computer) => computer.remove(input.name));
  }

  async addOnDemand(input: DesktopInput<"addOnDemand">): Promise<Result<OnDemandView>> {
    if (!this.options.dataDir) return noDataDir();
    if (!this.client || !this.onDemand || !this.saved) return signedOut();
    try {
      const refusal = this.saved.refusal(input);
      if (refusal) return fail("INVALID_INPUT", refusal);
      const view = await this.onDemand.add(this.withDefaults(input));
      return ok(this.saved.find(view.id));
    } catch (error) {
      return onDemandFailure(error);
    }
  }

  async updateOnDemand(input: DesktopInput<"updateOnDemand">): Promise<Result<OnDemandView>> {
    if (!this.onDemand || !this.saved) return this.noManager();
    try {
      // Checked before the manager saves anything: a refused edit changes nothing.
      const refusal = this.saved.refusal(input);
      if (refusal) return fail("INVALID_INPUT", refusal);
      await this.onDemand.update(input);
      return ok(this.saved.find(input.id));
    } catch (error) {
      return onDemandFailure(error);
    }
  }

  async removeOnDemand(input: DesktopInput<"removeOnDemand">): Promise<Result<DesktopState>> {
    if (!this.onDemand) return this.noManager();
    try {
      await this.onDemand.remove(input.id);
    } catch (error) {
      return onDemandFailure(error);
    }
    return ok(this.snapshot());
  }

  async startOnDemand(input: DesktopInput<"startOnDemand">): Promise<Result<OnDemandView>> {
    return this.withSaved(async (saved) => {
      if (saved.find(input.id).route === "public" && !this.client) return signedOut();
      const view = await saved.start(input.id);
      this.emit();
      return ok(view);
    });
  }

  async stopOnDemand(input: DesktopInput<"stopOnDemand">): Promise<Result<OnDemandView>> {
    return this.withSaved(async (saved) => {
      const view = await saved.stop(input.id);
      this.emit();
      return ok(view);
    });
  }

  async copyOnDemand(input: DesktopInput<"copyOnDemand">): Promise<Result<UseOutcome>> {
    return this.withSaved(async (saved) => ok(await saved.copy(input)));
  }

  async launchOnDemand(input: DesktopInput<"launchOnDemand">): Promise<Result<UseOutcome>> {
    return this.withSaved(async (saved) => ok(await saved.launch(input)));
  }

  async setSettings(input: DesktopInput<"setSettings">): Promise<Result<DesktopState>> {
    const changed = await this.preferences.change(input);
    if (!changed.ok) return changed;
    this.emit();
    return ok(this.snapshot());
  }

  async setPublicLink(input: DesktopInput<"setPublicLink">): Promise<Result<PublicLinkView>> {
    const client = this.client;
    if (!client) return signedOut();
    const service = this.devices.flatMap((d) => d.services).find((s) => s.id === input.serviceId);
    if (!service) return fail("INVALID_INPUT", `There is no service with id ${input.serviceId}.`);
    if (!service.web) {
      return fail(
        "INVALID_INPUT",
        `Public links carry http and https services only; ${service.name} is ${service.type}.`,
      );
    }
    let link: PublicLinkView;
    try {
      if (!input.enabled && input.password === undefined) {
        if (!service.link) {
          return fail("INVALID_INPUT", `${service.name} has no public link to switch off.`);
        }
        await client.disableConnectLink(input.serviceId);
        link = { ...service.link, enabled: false };
      } else {
        link = toLinkView(
          await client.setConnectLink(input.serviceId, {
            enabled: input.enabled,
            password: input.password,
          }),
        );
      }
    } catch (error) {
      return failure(error);
    }
    this.devices = this.devices.map((device) => ({
      ...device,
      services: device.services.map((s) => (s.id === input.serviceId ? { ...s, link } : s)),
    }));
    this.emit();
    return ok(link);
  }

  /** Runs a saved-connection call; its refusals become sentences, the broker's keep their code. */
  private async withSaved<T>(
    use: (saved: SavedConnections) => Promise<Result<T>>,
  ): Promise<Result<T>> {
    if (!this.saved || !this.onDemand) return this.noManager();
    try {
      return await use(this.saved);
    } catch (error) {
      return onDemandFailure(error);
    }
  }

  private async changeThisComputer(
    change: (computer: ThisComputer) => Promise<void>,
  ): Promise<Result<DesktopState>> {
    if (!this.thisComputer) return noDataDir();
    if (!this.client) return signedOut();
    try {
      await change(this.thisComputer);
    } catch (error) {
      return fail("INVALID_INPUT", messageOf(error));
    }
    await this.sync().catch(() => {});
    return ok(this.snapshot());
  }

  /** Signs in to `credentials` (from `profile`, null: typed in) in place of any account. */
  private async signInAs(
    credentials: ApiCredentials,
    profile: string | null,
  ): Promise<Result<DesktopState>> {
    const candidate = new BrokerClient(credentials);
    let account: AccountView;
    try {
      account = await this.fetchAccount(candidate);
    } catch (error) {
      candidate.stop();
      return failure(error);
    }
    // The old account's listeners close before the new one's open: both may want a port.
    await this.closeOnDemand();
    this.client?.stop();
    this.client = candidate;
    this.apply(account);
    this.tracker.clear();
    this.saved?.clear();
    this.notifier.reset();
    await this.options.vault.save(credentials);
    this.activeProfile = profile;
    await this.thisComputer?.attach(credentials).catch(() => {});
    await this.sync().catch(() => {});
    await this.openOnDemand(credentials.accessKeyId);
    this.live.start();
    // Only the switcher's tick depends on this file: failing to write it is shown, not fatal.
    await this.accountFile
      ?.save({ accessKeyId: credentials.accessKeyId, profile })
      .catch((error: unknown) => {
        this.problem = { code: "INTERNAL", message: messageOf(error) };
      });
    await this.readProfiles();
    this.emit();
    return ok(this.snapshot());
  }

  /**
   * Starts the listeners of the signed-in account, from its own list. The manager reaches
   * the broker only with the client it was opened for: once that account is gone it is
   * "not signed in", never another account's client.
   */
  private async openOnDemand(accessKeyId: string): Promise<void> {
    const dataDir = this.options.dataDir;
    const client = this.client;
    if (!dataDir || !client) return;
    const file = onDemandFileOf(dataDir, accessKeyId);
    const manager = new OnDemandManager({
      store: new OnDemandStore(file),
      client: () => (this.client === client ? client : null),
      p2pBindAddress: this.options.p2pBindAddress,
      p2pWaitMs: this.options.p2pWaitMs || undefined,
      onChange: () => {
        this.emit();
        this.watchTraffic();
      },
    });
    this.onDemand = manager;
    try {
      await adoptLegacyOnDemand(dataDir, file);
      await manager.start(true);
    } catch (error) {
      this.problem = { code: "INVALID_INPUT", message: messageOf(error) };
    }
  }

  private async closeOnDemand(): Promise<void> {
    const manager = this.onDemand;
    this.onDemand = null;
    this.clock.clearTimeout(this.trafficTimer);
    this.trafficTimer = undefined;
    await manager?.stop();
  }

  /** The profiles of the credentials file, for the switcher; an unreadable file keeps the last list. */
  private async readProfiles(): Promise<void> {
    this.profiles = await listProfiles(this.options.credentialsPath).catch(() => this.profiles);
  }

  /** A new connection takes the settings' defaults for what it does not say. */
  private withDefaults(input: AddOnDemandInput): AddOnDemandInput {
    const service = this.devices
      .flatMap((device) => device.services)
      .find((s) => s.id === input.serviceId);
    // The old p2p/failover switches still choose a route when given (the manager reads them).
    const oldSwitches = input.p2p !== undefined || input.failover !== undefined;
    const defaultRoute = service?.web ? "public" : this.preferences.current.defaultRoute;
    return {
      ...input,
      route: input.route ?? (oldSwitches ? undefined : defaultRoute),
      idleTimeout: input.idleTimeout ?? this.preferences.current.defaultIdleTimeoutMinutes * 60,
    };
  }

  /** Why there is no on-demand list to change: no data directory, or nobody signed in. */
  private noManager<T>(): Result<T> {
    return this.options.dataDir ? signedOut() : noDataDir();
  }

  /** Re-reads devices, connections and this machine's address from the broker. */
  async sync(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      const asked = this.tracker.mark();
      const [account, connections] = await Promise.all([
        this.fetchAccount(client),
        client.connections(),
      ]);
      // Applied together with no await in between: the window never sees devices of one
      // moment next to connections of another (nor may the notifier).
      this.apply(account);
      this.tracker.sync(connections, this.devices, asked);
      this.syncedAt = this.clock.now();
      this.problem = null;
      this.visitors.watch();
    } catch (error) {
      this.problem = errorOf(error);
      throw error;
    } finally {
      this.emit();
    }
  }

  /** The account's devices (with their links) and this machine's address, as the broker says. */
  private async fetchAccount(client: BrokerClient): Promise<AccountView> {
    const [account, myIp, links] = await Promise.all([
      client.account(),
      client.myIp(),
      client.links(),
    ]);
    const linkOf = new Map(links.map((link) => [link.serviceId, toLinkView(link)]));
    return {
      email: account.email,
      devices: account.devices.map((device) => toDeviceView(device, linkOf)),
      myIp,
    };
  }

  private apply(account: AccountView): void {
    this.lanAddresses = lanAddresses();
    this.email = account.email;
    this.devices = account.devices;
    this.myIp = account.myIp;
  }

  /** An event from the broker: the live sync re-syncs where needed; visitors are read here. */
  private heard(event: BrokerEvent): void {
    if (event.type === "DEVICE_CONNECT" && event.connectionId && event.reason) {
      this.notifier.noteEndReason(event.connectionId, event.reason);
    }
    if (event.type === "PROXY_SESSION" && event.visitor) {
      if (this.tracker.applyVisitor(event.visitor)) this.emit();
      void this.visitors.readNow();
    }
  }

  private scheduleSync(): void {
    const interval = this.options.syncIntervalMs ?? SAFETY_SYNC_MS;
    this.syncTimer = this.clock.setTimeout(() => {
      this.sync()
        .catch(() => {})
        .finally(() => this.scheduleSync());
    }, interval);
  }

  /** While any on-demand path is open, re-pushes state when its byte counters moved. */
  private watchTraffic(): void {
    if (this.trafficTimer !== undefined || !this.onDemand) return;
    if (!this.onDemand.list().some((view) => view.status === "connected")) return;
    this.trafficTimer = this.clock.setTimeout(() => {
      this.trafficTimer = undefined;
      const seen = trafficOf(this.onDemand?.list() ?? []);
      if (seen !== this.trafficSeen) {
        this.trafficSeen = seen;
        this.emit();
      }
      this.watchTraffic();
    }, TRAFFIC_REFRESH_MS);
  }

  private emit(): void {
    const state = this.snapshot();
    this.notifier.observe(state);
    const event: DesktopEvent = { type: "state", state };
    for (const listener of this.listeners) listener(event);
  }
}

function trafficOf(views: OnDemandView[]): string {
  return views.map((view) => `${view.id}:${view.bytesIn}:${view.bytesOut}`).join(",");
}
