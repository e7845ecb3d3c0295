// On-demand connections: what they are (the spec kept on disk) and what they are doing
// (the view shown by the desktop app and `reach connection list`). Browser-safe.
import { z } from "zod";

/** Ports picked for on-demand listeners when the user names none. */
export const ON_DEMAND_PORTS = { low: 33000, high: 42999 } as const;
export const DEFAULT_IDLE_TIMEOUT_S = 900;
/** How long peer to peer may take to open before the relay carries the socket instead. */
export const DEFAULT_P2P_WAIT_MS = 3000;

/**
 * How a connection reaches its service, as remote.it Desktop's routing choice names them:
 * - adaptive: a local port, peer to peer first, the broker's relay as failover;
 * - p2p: a local port, peer to peer only;
 * - proxy: a local port, always through the broker's relay, never P2P;
 * - public: no local port; Connect opens the broker's public proxy (a port proxy with a
 *   hostIP mode, or for http/https services the reverse proxy's random URL).
 */
export const ROUTES = ["adaptive", "p2p", "proxy", "public"] as const;
export type Route = (typeof ROUTES)[number];
/** The routes that listen on this computer. */
export type LocalRoute = Exclude<Route, "public">;

/** Where an on-demand listener listens unless told otherwise: this computer only. */
export const DEFAULT_BIND = "127.0.0.1";
/**
 * Local network security of a listener shared on the LAN: "none" (anyone who reaches the
 * address), "latching" (the first client address wins until the setting changes), one
 * IPv4/IPv6 address, or a CIDR such as 192.168.1.0/24. Checked by common/local-restriction.ts.
 */
export const restrictionSchema = z.string().min(1).max(64);

const idleTimeoutSchema = z
  .number()
  .int()
  .min(0)
  .max(7 * 86400);
/** A copy or launch template with [host] [port] [username] [id] tokens (common/launch-templates.ts). */
const templateSchema = z.string().min(1).max(1024).nullable();

/**
 * One saved connection: what the user chose for a service, kept on disk so it survives
 * restarts. Local routes listen on bind:port; a public one keeps its hostIP choice for Connect.
 */
export const onDemandSpecSchema = z.object({
  id: z.string().min(1).max(64),
  serviceId: z.string().min(1).max(64),
  serviceName: z.string().max(128),
  deviceName: z.string().max(128),
  /** What the user calls it (default: the service's name). */
  name: z.string().min(1).max(128),
  /** remote.it application type, for the default copy and launch templates. */
  application: z.number().int(),
  route: z.enum(ROUTES),
  /** Whether it is switched on: a local route listens, a public one is connected on start. */
  enabled: z.boolean(),
  /** Local routes: the port and address listened on, and who on the LAN may use them. */
  port: z.number().int().min(1).max(65535),
  bind: z.string().min(1).max(64),
  restrict: restrictionSchema,
  /** The client address a "latching" restriction latched; null until the first client. */
  latchedIp: z.string().max(64).nullable(),
  /** Seconds without traffic and sockets before the path closes; 0 = never. */
  idleTimeout: idleTimeoutSchema,
  /** Public route: which hostIP mode to ask the broker for, and the address for "restricted". */
  publicMode: z.enum(["public", "restricted", "latching"]),
  publicIp: z.string().max(64).nullable(),
  /** null = the service type's default (defaultTemplates in common/launch-templates.ts). */
  copyTemplate: templateSchema,
  launchTemplate: templateSchema,
  /** The [username] token, asked for once and remembered. */
  username: z.string().max(128).nullable(),
});
export type OnDemandSpec = z.infer<typeof onDemandSpecSchema>;

/**
 * What a saved connection is where nothing says otherwise: a new one's unset fields, and
 * what a version-1 file (which had none of these) is read with.
 */
export const SPEC_DEFAULTS = {
  enabled: true,
  bind: DEFAULT_BIND,
  restrict: "none",
  latchedIp: null,
  idleTimeout: DEFAULT_IDLE_TIMEOUT_S,
  publicMode: "latching",
  publicIp: null,
  copyTemplate: null,
  launchTemplate: null,
  username: null,
} as const satisfies Partial<OnDemandSpec>;

/** What a user may set on a connection; every field but serviceId is optional on add. */
const editableFields = {
  name: z.string().trim().min(1).max(128).optional(),
  route: z.enum(ROUTES).optional(),
  enabled: z.boolean().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  bind: z.string().trim().min(1).max(64).optional(),
  restrict: restrictionSchema.optional(),
  idleTimeout: idleTimeoutSchema.optional(),
  publicMode: z.enum(["public", "restricted", "latching"]).optional(),
  publicIp: z.string().trim().max(64).nullable().optional(),
  copyTemplate: templateSchema.optional(),
  launchTemplate: templateSchema.optional(),
  username: z.string().max(128).nullable().optional(),
};

export const addOnDemandInput = z.object({
  serviceId: z.string().min(1).max(64),
  ...editableFields,
  /** Old spelling (CLI --no-p2p / --no-failover): read as a route when route is absent. */
  p2p: z.boolean().optional(),
  failover: z.boolean().optional(),
});
export type AddOnDemandInput = z.infer<typeof addOnDemandInput>;

/** Changes to a connection; refused with a sentence while its path is open. */
export const updateOnDemandInput = z.object({ id: z.string().min(1).max(64), ...editableFields });
export type UpdateOnDemandInput = z.infer<typeof updateOnDemandInput>;

export const onDemandIdInput = z.object({ id: z.string().min(1).max(64) });

/**
 * idle: switched on and listening (or a public one not connected); off: switched off;
 * connecting / connected (path says p2p or relay); public: its broker proxy is up;
 * expired: its public proxy reached its time limit; failed: reason says why.
 */
export type OnDemandStatus =
  | "off"
  | "idle"
  | "connecting"
  | "connected"
  | "public"
  | "expired"
  | "failed";
export type OnDemandPath = "p2p" | "relay";

export interface OnDemandView extends OnDemandSpec {
  /** Where local programs connect (bind:port), or for a public route the proxy's address once up. */
  address: string;
  status: OnDemandStatus;
  /** The path new sockets get now (or got last), null before the first connect. */
  path: OnDemandPath | null;
  /** When the current path began (or the last one ended), ms since the epoch; null before. */
  pathSince: number | null;
  /** What failed last (a path that dropped or did not open, a socket that waited in vain). */
  lastFailure: { at: number; reason: string } | null;
  /** Why it failed, or why it is on the relay rather than P2P. */
  reason: string | null;
  /** Bytes from local programs to the service, and back. */
  bytesOut: number;
  bytesIn: number;
  openSockets: number;
  /** Local clients refused by the restriction since the listener started. */
  refused: number;
  /** Public route: the broker connection carrying it now, if any (ConnectionState.id). */
  connectionId: string | null;
}
