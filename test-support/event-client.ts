// Tests' side of the broker's `event` subscription: the signed client is the one the
// desktop core uses (client/broker-events.ts); subscribe() keeps what arrives so a test
// can wait for the event it expects.
import type { Client } from "graphql-ws";

export { signedEventClient, signedUpgradeHeaders } from "../client/broker-events.js";

export interface EventFeed<T> {
  /** Every payload (or error) received so far, in order. */
  received: T[];
  errors: unknown[];
  /** Resolves with the first payload received (now or later) that `match` accepts. */
  next(match: (payload: T) => boolean, timeoutMs?: number): Promise<T>;
  stop(): void;
}

/** Subscribes `query` on `client` and keeps what arrives. */
export function subscribe<T>(client: Client, query: string): EventFeed<T> {
  const received: T[] = [];
  const errors: unknown[] = [];
  const waiters: { match: (p: T) => boolean; resolve: (p: T) => void }[] = [];
  const stop = client.subscribe<T>(
    { query },
    {
      next: (result) => {
        if (result.errors) errors.push(result.errors);
        if (!result.data) return;
        const payload = result.data as T;
        received.push(payload);
        for (const waiter of [...waiters]) {
          if (waiter.match(payload)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(payload);
          }
        }
      },
      error: (error) => errors.push(error),
      complete: () => {},
    },
  );
  return {
    received,
    errors,
    stop,
    next(match, timeoutMs = 5000) {
      const seen = received.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(received)}`),
          );
        }, timeoutMs);
        waiters.push({
          match,
          resolve: (payload) => {
            clearTimeout(timer);
            resolve(payload);
          },
        });
      });
    },
  };
}
