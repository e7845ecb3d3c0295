// The broker's `event` subscription, for the desktop core (and the tests): a graphql-ws
// client signed as remote.it's R3 asks (the WebSocket upgrade, GET /graphql/v1, carries
// Date and an Authorization signature over (request-target), host, date and a nonce, as an
// agent's control channel does), and watchEvents(), which reports the feed opening, each
// event, and the one reason it ended.
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { EVENTS_SUBSCRIPTION } from "../common/graphql/operations.js";
import { GRAPHQL_PATH } from "../common/graphql/schema.js";
import type { R3Credentials } from "../common/r3-signature.js";
import { signedUpgradeHeaders as signedGet } from "../common/r3-upgrade.js";
import { messageOf } from "../common/result.js";
import type { SessionRecord } from "./broker-client.js";

/** The headers of a signed upgrade to `apiUrl` (the broker's /graphql/v1 URL). */
export function signedUpgradeHeaders(
  apiUrl: string,
  credentials: R3Credentials,
): Record<string, string> {
  return signedGet(credentials, new URL(apiUrl).host, GRAPHQL_PATH);
}

/**
 * How often the client pings an open feed, and how long a pong may take: a broker that
 * vanished without closing the socket (a laptop's network gone) is noticed in seconds,
 * not when TCP gives up minutes later.
 */
const PING_EVERY_MS = 10_000;
const PONG_WITHIN_MS = 5_000;

/** A graphql-ws client whose every (re)connection is signed with `credentials`; it never retries on its own. */
export function signedEventClient(
  apiUrl: string,
  credentials: R3Credentials,
  on: { connected?: () => void } = {},
): Client {
  const url = apiUrl.replace(/^http/, "ws");
  class SignedWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: signedUpgradeHeaders(apiUrl, credentials) });
    }
  }
  let pongTimer: NodeJS.Timeout | undefined;
  const client: Client = createClient({
    url,
    webSocketImpl: SignedWebSocket,
    retryAttempts: 0,
    lazy: true,
    keepAlive: PING_EVERY_MS,
    on: {
      connected: () => on.connected?.(),
      ping: (received) => {
        if (received) return;
        pongTimer = setTimeout(() => client.terminate(), PONG_WITHIN_MS);
        pongTimer.unref();
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
      closed: () => clearTimeout(pongTimer),
    },
  });
  return client;
}

/** One event as EVENTS_SUBSCRIPTION reads it. */
export interface BrokerEvent {
  __typename: string;
  /** DEVICE_STATE, DEVICE_CONNECT or PROXY_SESSION. */
  type: string;
  action: string | null;
  state: string | null;
  target: { id: string }[] | null;
  /** DeviceConnectEvent: the connection, and why it ended (null when it opened). */
  connectionId?: string | null;
  reason?: string | null;
  /** ProxySessionEvent: the visitor who came or left. */
  visitor?: SessionRecord;
}

export interface EventWatchHandlers {
  /** The socket is open and the subscription sent; events from about now on will come. */
  opened(): void;
  event(event: BrokerEvent): void;
  /** The feed is over (never opened, dropped, or refused): why, as a phrase. Called once. */
  ended(why: string): void;
}

export interface EventWatch {
  /** Ends the feed without calling ended(). */
  stop(): void;
}

/** Subscribes to the caller's events until stop(), or until the feed ends on its own. */
export function watchEvents(
  apiUrl: string,
  credentials: R3Credentials,
  handlers: EventWatchHandlers,
): EventWatch {
  let over = false;
  const end = (why: string) => {
    if (over) return;
    over = true;
    void client.dispose();
    handlers.ended(why);
  };
  const client = signedEventClient(apiUrl, credentials, {
    connected: () => {
      if (!over) handlers.opened();
    },
  });
  client.subscribe<{ event: BrokerEvent }>(
    { query: EVENTS_SUBSCRIPTION },
    {
      next: (result) => {
        if (over) return;
        if (result.errors?.length) {
          end(`the broker refused the subscription: ${result.errors[0]?.message}`);
        } else if (result.data) {
          handlers.event(result.data.event);
        }
      },
      error: (error) => end(whyEnded(error)),
      complete: () => end("the broker ended the subscription"),
    },
  );
  return {
    stop() {
      over = true;
      void client.dispose();
    },
  };
}

/**
 * graphql-ws ends a sink with a CloseEvent, an Error, an ErrorEvent or GraphQL errors;
 * each becomes a phrase for the status bar.
 */
function whyEnded(error: unknown): string {
  if (Array.isArray(error)) {
    return `the broker refused the subscription: ${messageOf(error[0]?.message ?? error[0])}`;
  }
  if (error && typeof error === "object") {
    const {
      code,
      reason,
      message,
      error: inner,
    } = error as {
      code?: unknown;
      reason?: unknown;
      message?: unknown;
      error?: unknown;
    };
    if (typeof code === "number") {
      const said = typeof reason === "string" && reason ? `: ${reason}` : "";
      return code === 4499
        ? "the broker stopped answering"
        : `the connection to the broker closed (code ${code}${said})`;
    }
    if (inner instanceof Error) return `cannot reach the broker: ${inner.message}`;
    if (typeof message === "string" && message) return `cannot reach the broker: ${message}`;
  }
  return `cannot reach the broker: ${messageOf(error)}`;
}
