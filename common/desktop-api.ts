// The contract between the desktop core (main process, or the headless host) and the
// renderer. Every method takes one validated payload and returns a Result (common/result.ts);
// state flows the other way as pushed events. Nothing else crosses, and no secret ever does.
// The types are derived from the one table below, so a renamed or removed method, or a
// wrong payload, fails to compile in the core, the preload and the renderer alike.
import { z } from "zod";
import { type DesktopSettings, settingsChangeInput } from "./desktop-settings.js";
import {
  addOnDemandInput,
  type OnDemandView,
  onDemandIdInput,
  updateOnDemandInput,
} from "./on-demand.js";
import type { ErrorDetail, Result } from "./result.js";

export interface ServiceView {
  id: string;
  name: string;
  type: string;
  application: number;
  port: number;
  host: string;
  online: boolean;
  /** http and https services get reverse proxies (always public). */
  web: boolean;
  /** The service's persistent public link (setConnectLink), for web services that have one. */
  link: PublicLinkView | null;
}

/** A persistent public link as the window shows it; the password itself never leaves the broker. */
export interface PublicLinkView {
  url: string;
  enabled: boolean;
  hasPassword: boolean;
}

/** One visitor of a public proxy (a broker Session): who, since when, how much. */
export interface VisitorView {
  address: string;
  /** When the visitor came, epoch milliseconds. */
  since: number;
  bytesIn: number;
  bytesOut: number;
  /** This visitor's address is the one a latching connection latched. */
  latched: boolean;
  connected: boolean;
}

export interface DeviceView {
  id: string;
  name: string;
  online: boolean;
  services: ServiceView[];
}

export type ConnectionStatus = "active" | "expired" | "closed";

export interface ConnectionState {
  id: string;
  serviceId: string;
  serviceName: string;
  deviceName: string;
  /** What to give a client: the full URL of a reverse proxy, host:port of a port proxy. */
  address: string;
  url: string;
  reverseProxy: boolean;
  hostIP: string;
  created: string;
  /** created + timeout, in epoch milliseconds. */
  expiresAt: number;
  timeout: number;
  status: ConnectionStatus;
  /** Visitors now on it (and those who left while it was open), newest first. */
  visitors: VisitorView[];
  /** The address a latching connection latched; null before its first visitor or for other modes. */
  latchedIP: string | null;
  /** Sum over visitors: bytes towards the service, and back. */
  bytesIn: number;
  bytesOut: number;
}

export interface VaultStatus {
  /** Where the secret is kept: the OS keychain via safeStorage, or a file only the user can read. */
  backend: "keychain" | "basic_text" | "file";
  /** False when the secret is not encrypted by the OS (Linux basic_text, headless file). */
  encrypted: boolean;
  note: string;
}

/** A service of the machine the app runs on, served by the app's own agent. */
export interface LocalServiceView {
  name: string;
  application: number;
  port: number;
  host: string;
}

export interface DesktopState {
  session:
    | { signedIn: false }
    | { signedIn: true; email: string; apiUrl: string; accessKeyId: string };
  vault: VaultStatus;
  devices: DeviceView[];
  connections: ConnectionState[];
  /** This machine's address as the broker sees it: the default for a restricted connection. */
  myIp: string | null;
  syncedAt: number | null;
  /** Services of this computer the app offers through its own agent. */
  thisComputer: LocalServiceView[];
  /** Local listeners that open a P2P (or relayed) path to a service when a program connects. */
  onDemand: OnDemandView[];
  /** This computer's own addresses other than loopback: where a LAN-shared listener may bind. */
  lanAddresses: string[];
  /** The last background error (a failed re-sync), shown until the next success. */
  problem: ErrorDetail | null;
  settings: DesktopSettings;
  /** Why the settings file was not used (damaged: defaults apply until the next save). */
  settingsProblem: string | null;
  /** What a saved setting waits for or why it does nothing here (headless LAN: the next start). */
  settingsNote: string | null;
  /** The profiles of ~/.reach/credentials and the one signed in (null: signed in by key). */
  accounts: { profiles: string[]; active: string | null };
  /**
   * How changes made elsewhere reach the app: the broker's event subscription, or (when it
   * dropped) re-syncing every few seconds; note says why, for the status bar.
   */
  live: {
    mode: "events" | "polling" | "off";
    note: string | null;
    /** While polling: when the next re-sync runs (epoch ms), for "retrying in N s". */
    nextSyncAt: number | null;
  };
}

export const signInInput = z.object({
  apiUrl: z.string().url().max(2048),
  accessKeyId: z.string().min(1).max(256),
  secretAccessKey: z.string().min(1).max(1024),
});

export const importProfileInput = z.object({ name: z.string().min(1).max(128) });

export const connectInput = z.object({
  serviceId: z.string().min(1).max(64),
  hostIP: z.string().min(1).max(64),
  type: z.enum(["AUTO_PROXY", "REVERSE_PROXY", "PORT_PROXY"]).optional(),
});

export const connectionIdInput = z.object({ connectionId: z.string().min(1).max(64) });

export const copyInput = z.object({ text: z.string().min(1).max(4096) });

export const openInput = z.object({ url: z.string().min(1).max(4096) });

export const addLocalServiceInput = z.object({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, "may hold letters, digits, dot, dash and underscore"),
  type: z.string().min(1).max(32),
  port: z.number().int().min(1).max(65535),
});

export const removeLocalServiceInput = z.object({ name: z.string().min(1).max(64) });

export const emptyInput = z.object({}).strict();

/** Copy or launch a saved connection; username fills a missing [username] and is remembered. */
export const useOnDemandInput = z.object({
  id: z.string().min(1).max(64),
  username: z.string().trim().min(1).max(128).optional(),
});

export const switchAccountInput = z.object({ profile: z.string().min(1).max(128) });

export const setPublicLinkInput = z.object({
  serviceId: z.string().min(1).max(64),
  enabled: z.boolean(),
  /** A new password; "" removes it; left out keeps the current one. */
  password: z.string().max(256).optional(),
});

/**
 * Each method and its payload schema: the allow-list hosts check a method name against, and
 * what they validate its payload with before the core sees it (main/core/api-dispatch.ts).
 */
export const desktopApiInputs = {
  getState: emptyInput,
  signIn: signInInput,
  importProfile: importProfileInput,
  listProfiles: emptyInput,
  signOut: emptyInput,
  refresh: emptyInput,
  connect: connectInput,
  disconnect: connectionIdInput,
  disconnectAll: emptyInput,
  copyText: copyInput,
  openExternal: openInput,
  addLocalService: addLocalServiceInput,
  removeLocalService: removeLocalServiceInput,
  addOnDemand: addOnDemandInput,
  updateOnDemand: updateOnDemandInput,
  removeOnDemand: onDemandIdInput,
  startOnDemand: onDemandIdInput,
  stopOnDemand: onDemandIdInput,
  copyOnDemand: useOnDemandInput,
  launchOnDemand: useOnDemandInput,
  setSettings: settingsChangeInput,
  switchAccount: switchAccountInput,
  setPublicLink: setPublicLinkInput,
} as const;

export type DesktopMethod = keyof typeof desktopApiInputs;

/** A method's payload, as its schema in desktopApiInputs parses it. */
export type DesktopInput<M extends DesktopMethod> = z.infer<(typeof desktopApiInputs)[M]>;

/**
 * What each method answers with when it succeeds. DesktopApi maps over these keys and takes
 * each payload from desktopApiInputs, so a method missing from either table fails to compile.
 */
interface DesktopOutputs {
  getState: DesktopState;
  signIn: DesktopState;
  importProfile: DesktopState;
  listProfiles: string[];
  signOut: DesktopState;
  refresh: DesktopState;
  connect: ConnectionState;
  /** False when the connection had already ended. */
  disconnect: boolean;
  /** How many active connections were closed. */
  disconnectAll: number;
  /** Copies with the host's clipboard; false when the host has none (the renderer then uses its own). */
  copyText: boolean;
  /** Opens http(s) and launchable URLs (ssh://, vnc://, rdp://) outside the app; false when the host cannot. */
  openExternal: boolean;
  /** Offers a service of this computer (127.0.0.1:port) through the app's own agent. */
  addLocalService: DesktopState;
  removeLocalService: DesktopState;
  /** Starts listening on 127.0.0.1 (the port given, else a free one) for the service. */
  addOnDemand: OnDemandView;
  /** Changes a connection's settings; refused while its path or public proxy is open. */
  updateOnDemand: OnDemandView;
  /** Stops the listener, closes its path, and forgets it. */
  removeOnDemand: DesktopState;
  /** Switches it on: a local route listens, a public one asks the broker for its proxy. */
  startOnDemand: OnDemandView;
  /** Switches it off: closes the listener and path, or disconnects the public proxy. */
  stopOnDemand: OnDemandView;
  /** Resolves the copy template and puts it on the clipboard (or says what is missing). */
  copyOnDemand: UseOutcome;
  /** Resolves the launch template and opens the URL or runs the command in a terminal. */
  launchOnDemand: UseOutcome;
  setSettings: DesktopState;
  /** Signs in with another profile of the credentials file, without a restart. */
  switchAccount: DesktopState;
  /** Creates, changes or disables the service's persistent public link (setConnectLink). */
  setPublicLink: PublicLinkView;
}

/**
 * What copy and launch did. done: the resolved text, and whether the host did it (false:
 * headless, where the page copies or opens a URL itself). missing: tokens to ask for first.
 */
export type UseOutcome =
  | { done: true; text: string; kind: "copy" | "url" | "command"; byHost: boolean }
  | { done: false; missing: string[] };

export type DesktopOutput<M extends DesktopMethod> = DesktopOutputs[M];

/** What the renderer can ask for: one payload in, a Result out, never a throw. */
export type DesktopApi = {
  [M in keyof DesktopOutputs]: (input: DesktopInput<M>) => Promise<Result<DesktopOutput<M>>>;
};

/** A call's arguments: its payload, which may be left out when the method needs none. */
export type DesktopCallArgs<M extends DesktopMethod> =
  Record<string, never> extends DesktopInput<M>
    ? [input?: DesktopInput<M>]
    : [input: DesktopInput<M>];

/** What the Electron preload exposes to the page as `window.reach` (channels: desktop-ipc.ts). */
export interface PreloadBridge extends DesktopApi {
  onEvent(listener: (event: DesktopEvent) => void): () => void;
}

/**
 * What a notification's button does: connect to the service again with the same hostIP
 * (DesktopApi.connect), or switch an on-demand connection on again (startOnDemand).
 */
export type NoticeAction =
  | { label: string; kind: "connect"; serviceId: string; hostIP: string }
  | { label: string; kind: "startOnDemand"; id: string };

export type DesktopEvent =
  | { type: "state"; state: DesktopState }
  /** A notification for hosts without system notifications (headless: the page shows it). */
  | { type: "notice"; title: string; body: string; action?: NoticeAction };

/** URL schemes the app will open outside itself. */
export const EXTERNAL_SCHEMES = ["http:", "https:", "ssh:", "vnc:", "rdp:", "smb:"];

/**
 * The URL to hand to the system (parsed and re-serialised), or null when it is not a URL
 * or its scheme is not in EXTERNAL_SCHEMES. Every path to the system's URL opener goes
 * through this.
 */
export function externalUrl(candidate: string): string | null {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  return EXTERNAL_SCHEMES.includes(url.protocol) ? url.href : null;
}
