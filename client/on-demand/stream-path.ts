// A way to carry an on-demand connection's local sockets to its service: a peer-to-peer
// session (peer-path.ts) or the broker's relay (relay-path.ts).
import type { Socket } from "node:net";
import type { OnDemandPath } from "../../common/on-demand.js";

/**
 * Gives back a socket the path could not carry before any of its bytes moved (it is
 * still paused, so nothing was read from it): the connection places it again, on another
 * path or once the device is back, instead of resetting a socket that got no byte.
 */
export type HandBack = (reason: string) => void;

export interface StreamPath {
  readonly kind: OnDemandPath;
  /** Carries one local socket (paused, half-open allowed) to the service. */
  carry(socket: Socket, handBack: HandBack): void;
  /**
   * Called once when the path stops working: sockets it carried are closed by then, and
   * those it had not started are handed back.
   */
  onDown(callback: (reason: string) => void): void;
  close(): void;
}
