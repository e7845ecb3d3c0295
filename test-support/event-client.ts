// A graphql-ws client for the broker's `event` subscription, signed as remote.it's R3 asks:
// the WebSocket upgrade (GET /graphql/v1) carries Date and an Authorization signature over
// (request-target), host, date and a nonce, as an agent's control channel does.
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { GRAPHQL_PATH } from "../common/graphql/schema.js";
import type { R3Credentials } from "../common/r3-signature.js";
import { signedUpgradeHeaders as signedGet } from "../common/r3-upgrade.js";

/** The headers of a signed upgrade to `apiUrl` (the broker's /graphql/v1 URL). */
export function signedUpgradeHeaders(
  apiUrl: string,
  credentials: R3Credentials,
): Record<string, string> {
  return signedGet(credentials, new URL(apiUrl).host, GRAPHQL_PATH);
}

/** A graphql-ws client whose every (re)connection is signed with `credentials`. */
export function signedEventClient(apiUrl: string, credentials: R3Credentials): Client {
  const url = apiUrl.replace(/^http/, "ws");
  class SignedWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: signedUpgradeHeaders(apiUrl, credentials) });
    }
  }
  return createClient({ url, webSocketImpl: SignedWebSocket, retryAttempts: 0, lazy: true });
}

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
