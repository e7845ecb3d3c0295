// Where a connection stands at a given time: still live or not, the time left, and how
// much of its timeout is left for the bar.
import type { ConnectionState } from "../../../common/desktop-api.js";

export interface ConnectionClock {
  /** Active and not yet past expiresAt: the core may not have marked it expired yet. */
  live: boolean;
  /** Milliseconds until expiresAt (negative once past). */
  remaining: number;
  /** The share of the timeout still left, from 0 to 1. */
  fraction: number;
  /** "active", "closed" or "expired", as the list shows it. */
  label: string;
}

export function connectionClock(
  connection: Pick<ConnectionState, "expiresAt" | "timeout" | "status">,
  now: number,
): ConnectionClock {
  const remaining = connection.expiresAt - now;
  const fraction = Math.max(0, Math.min(1, remaining / (connection.timeout * 1000)));
  const live = connection.status === "active" && remaining > 0;
  const label = live ? "active" : connection.status === "closed" ? "closed" : "expired";
  return { live, remaining, fraction, label };
}
