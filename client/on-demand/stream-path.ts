// A way to carry an on-demand connection's local sockets to its service: a peer-to-peer
// session (peer-path.ts) or the broker's relay (relay-path.ts).
import type { Socket } from "node:net";
import type { OnDemandPath } from "../../common/on-demand.js";

export interface StreamPath {
  readonly kind: OnDemandPath;
  /** Carries one local socket (paused, half-open allowed) to the service. */
  carry(socket: Socket): void;
  /** Called once when the path stops working: its sockets are closed by then. */
  onDown(callback: (reason: string) => void): void;
  close(): void;
}
