// On-demand connections: what they are (the spec kept on disk) and what they are doing
// (the view shown by the desktop app and `reach connection list`). Browser-safe.
import { z } from "zod";
import { serviceTypeByApplication } from "./service-types.js";

/** Ports picked for on-demand listeners when the user names none. */
export const ON_DEMAND_PORTS = { low: 33000, high: 42999 } as const;
export const DEFAULT_IDLE_TIMEOUT_S = 900;
/** How long peer to peer may take to open before the relay carries the socket instead. */
export const DEFAULT_P2P_WAIT_MS = 3000;

export const onDemandSpecSchema = z.object({
  id: z.string().min(1).max(64),
  serviceId: z.string().min(1).max(64),
  serviceName: z.string().max(128),
  deviceName: z.string().max(128),
  /** remote.it application type, for the launch command. */
  application: z.number().int(),
  port: z.number().int().min(1).max(65535),
  p2p: z.boolean(),
  failover: z.boolean(),
  /** Seconds without traffic and sockets before the path closes; 0 = never. */
  idleTimeout: z
    .number()
    .int()
    .min(0)
    .max(7 * 86400),
});
export type OnDemandSpec = z.infer<typeof onDemandSpecSchema>;

export const addOnDemandInput = z.object({
  serviceId: z.string().min(1).max(64),
  port: z.number().int().min(1).max(65535).optional(),
  p2p: z.boolean().optional(),
  failover: z.boolean().optional(),
  idleTimeout: z
    .number()
    .int()
    .min(0)
    .max(7 * 86400)
    .optional(),
});
export type AddOnDemandInput = z.infer<typeof addOnDemandInput>;

export const onDemandIdInput = z.object({ id: z.string().min(1).max(64) });

export type OnDemandStatus = "idle" | "connecting" | "connected" | "failed";
export type OnDemandPath = "p2p" | "relay";

export interface OnDemandView extends OnDemandSpec {
  /** Where local programs connect: 127.0.0.1:<port>. */
  address: string;
  status: OnDemandStatus;
  /** The path carrying sockets now (or last), null before the first connect. */
  path: OnDemandPath | null;
  /** Why it failed, or why it is on the relay rather than P2P. */
  reason: string | null;
  /** Bytes from local programs to the service, and back. */
  bytesOut: number;
  bytesIn: number;
  openSockets: number;
}

/** What to run or open to use an on-demand connection, e.g. `ssh -p 33012 user@127.0.0.1`. */
export function launchFor(application: number, port: number): string {
  const scheme = serviceTypeByApplication(application)?.scheme;
  if (scheme === "ssh") return `ssh -p ${port} user@127.0.0.1`;
  if (!scheme || scheme === "tcp") return `127.0.0.1:${port}`;
  return `${scheme}://127.0.0.1:${port}`;
}
