// Joins two sockets into one bidirectional pipe, the relay at the heart of every proxy.
// Both sockets must allow half-open: a FIN one way is passed on while the other way keeps
// flowing, as TCP allows. When one side closes for good, the other follows: gracefully if
// it had finished too, at once otherwise (an error, a reset, or the broker cutting it).
import type { Duplex } from "node:stream";

export function splice(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
  follow(a, b);
  follow(b, a);
}

/** When `closed` is done for good, `other` follows: gracefully if it had finished, else at once. */
export function follow(closed: Duplex, other: Duplex): void {
  closed.on("error", () => other.destroy());
  closed.on("close", () => {
    if (other.destroyed) return;
    if (other.readableEnded) other.end();
    else other.destroy();
  });
}
