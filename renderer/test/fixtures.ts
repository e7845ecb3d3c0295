// Saved connections, broker connections and services as the core sends them, for the
// renderer's helpers and components: each test changes only the fields it is about.
import type {
  ConnectionState,
  DesktopState,
  ServiceView,
  VisitorView,
} from "../../common/desktop-api.js";
import { DEFAULT_SETTINGS } from "../../common/desktop-settings.js";
import type { OnDemandView } from "../../common/on-demand.js";

export function savedView(overrides: Partial<OnDemandView> = {}): OnDemandView {
  return {
    id: "OD1",
    serviceId: "S1",
    serviceName: "shell",
    deviceName: "laptop",
    name: "shell",
    application: 28,
    route: "adaptive",
    enabled: true,
    port: 34012,
    bind: "127.0.0.1",
    restrict: "none",
    latchedIp: null,
    idleTimeout: 900,
    publicMode: "public",
    publicIp: null,
    copyTemplate: null,
    launchTemplate: null,
    username: null,
    address: "127.0.0.1:34012",
    status: "idle",
    path: null,
    pathSince: null,
    lastFailure: null,
    reason: null,
    bytesOut: 0,
    bytesIn: 0,
    openSockets: 0,
    refused: 0,
    connectionId: null,
    ...overrides,
  };
}

export function brokerConnection(overrides: Partial<ConnectionState> = {}): ConnectionState {
  return {
    id: "C1",
    serviceId: "S9",
    serviceName: "db",
    deviceName: "server",
    address: "127.0.0.1:33100",
    url: "tcp://127.0.0.1:33100",
    reverseProxy: false,
    hostIP: "255.255.255.255",
    created: "2026-11-24T12:00:00.000Z",
    expiresAt: Date.parse("2026-11-24T20:00:00Z"),
    timeout: 28800,
    status: "active",
    visitors: [],
    latchedIP: null,
    bytesIn: 0,
    bytesOut: 0,
    ...overrides,
  };
}

export function visitor(overrides: Partial<VisitorView> = {}): VisitorView {
  return {
    address: "198.51.100.7",
    since: Date.parse("2026-11-24T12:05:00Z"),
    bytesIn: 100,
    bytesOut: 2048,
    latched: false,
    connected: true,
    ...overrides,
  };
}

export function service(overrides: Partial<ServiceView> = {}): ServiceView {
  return {
    id: "S1",
    name: "shell",
    type: "SSH",
    application: 28,
    port: 22,
    host: "127.0.0.1",
    online: true,
    web: false,
    link: null,
    ...overrides,
  };
}

/** The core's state as a signed-out window first sees it. */
export function desktopState(overrides: Partial<DesktopState> = {}): DesktopState {
  return {
    session: { signedIn: false },
    vault: { backend: "file", encrypted: false, note: "Kept in a file only you can read." },
    devices: [],
    connections: [],
    myIp: null,
    syncedAt: null,
    thisComputer: [],
    onDemand: [],
    lanAddresses: [],
    problem: null,
    settings: DEFAULT_SETTINGS,
    settingsProblem: null,
    settingsNote: null,
    accounts: { profiles: [], active: null },
    live: { mode: "off", note: null, nextSyncAt: null },
    ...overrides,
  };
}
