// The reverse proxy: requests whose Host is a connection's random subdomain are relayed
// to the device's web service through tunnel streams. Keep-alive both ways, bodies
// streamed, WebSocket upgrades spliced, X-Forwarded-* set.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { isIP } from "node:net";
import type { Dispatcher, Pool } from "undici";
import { splice } from "../../common/stream/splice.js";
import type { LiveConnection } from "../connections/live-connection.js";
import type { StreamOpener } from "./port-proxy.js";
import { wrapTls } from "./tunnel-http-pool.js";

/** Headers that describe one hop and must not be forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

export interface ReverseRoute {
  /** Who tracks the visitors: a connection, or a public link (broker/links/). */
  live: Pick<LiveConnection, "track">;
  pool: Pool;
  openStream: StreamOpener;
  tls: boolean;
  servername: string;
}

function forwardedHeaders(
  request: IncomingMessage,
  scheme: "http" | "https",
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const named = new Set(
    (request.headers.connection ?? "")
      .toLowerCase()
      .split(",")
      .map((s) => s.trim()),
  );
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    headers[name] = value;
  }
  const client = request.socket.remoteAddress ?? "";
  const prior = request.headers["x-forwarded-for"];
  headers["x-forwarded-for"] = prior ? `${prior}, ${client}` : client;
  headers["x-forwarded-proto"] = scheme;
  headers["x-forwarded-host"] = request.headers.host ?? "";
  return headers;
}

/** The service's response headers (raw name/value pairs) without hop-by-hop ones. */
function responseHeaders(raw: Buffer[] | string[] | null): string[] {
  const out: string[] = [];
  if (!raw) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = String(raw[i]);
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.push(name, String(raw[i + 1]));
  }
  return out;
}

export function proxyRequest(
  route: ReverseRoute,
  request: IncomingMessage,
  response: ServerResponse,
  scheme: "http" | "https",
): void {
  route.live.track(request.socket, Date.now());
  let abort: ((reason?: Error) => void) | null = null;
  response.on("close", () => {
    if (!response.writableFinished) abort?.();
  });
  const hasBody =
    request.headers["content-length"] !== undefined ||
    request.headers["transfer-encoding"] !== undefined;
  route.pool.dispatch(
    {
      method: request.method as Dispatcher.HttpMethod,
      path: request.url ?? "/",
      headers: forwardedHeaders(request, scheme),
      body: hasBody ? request : null,
    },
    {
      onConnect(abortRequest) {
        abort = abortRequest;
      },
      onHeaders(status, rawHeaders, resume, statusText) {
        // 1xx interim answers (100 Continue, 103 Early Hints) are not passed on.
        if (status < 200) return true;
        response.writeHead(status, statusText, responseHeaders(rawHeaders));
        response.on("drain", resume);
        return true;
      },
      onData(chunk) {
        return response.write(chunk);
      },
      onComplete() {
        response.end();
      },
      onError() {
        if (!response.headersSent) {
          response.writeHead(502, { "content-type": "text/plain" }).end("Bad gateway\n");
        } else {
          response.destroy();
        }
      },
    },
  );
}

/** A WebSocket (or other Upgrade) request: the head is re-sent and the sockets spliced. */
export function proxyUpgrade(
  route: ReverseRoute,
  request: IncomingMessage,
  client: Socket,
  head: Buffer,
  scheme: "http" | "https",
): void {
  route.live.track(client, Date.now());
  client.on("error", () => client.destroy());
  route.openStream().then(
    (stream) => {
      if (client.destroyed) {
        stream.destroy();
        return;
      }
      const upstream = route.tls ? wrapTls(stream, route.servername) : stream;
      const headers = forwardedHeaders(request, scheme);
      headers.connection = "Upgrade";
      headers.upgrade = request.headers.upgrade ?? "websocket";
      const lines = [`${request.method} ${request.url} HTTP/1.1`];
      for (const [name, value] of Object.entries(headers)) {
        for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
      }
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      spliceIfSwitched(client, upstream, head);
    },
    () => client.end(BAD_GATEWAY),
  );
}

const BAD_GATEWAY = "HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
/** The longest status line a service may send before the broker gives up on it. */
const MAX_STATUS_LINE = 8192;

/**
 * Joins client and service only once the service answers 101 Switching Protocols. Any
 * other answer is passed on and the connection then closes: spliced anyway, it would turn
 * into a raw pipe whose further requests (say, "Upgrade: h2c" followed by a request for
 * another Host) reach the service without the broker parsing them or setting
 * X-Forwarded-For. The client's early bytes (`head`) wait for the switch too.
 */
function spliceIfSwitched(client: Socket, upstream: Socket, head: Buffer): void {
  let received = Buffer.alloc(0);
  const beforeAnswer = () => upstream.destroy();
  const noAnswer = () => client.end(BAD_GATEWAY);
  const onData = (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    const lineEnd = received.indexOf("\r\n");
    if (lineEnd === -1) {
      if (received.length > MAX_STATUS_LINE) upstream.destroy();
      return;
    }
    upstream.off("data", onData);
    upstream.off("close", noAnswer);
    client.off("close", beforeAnswer);
    upstream.pause();
    client.write(received);
    if (/^HTTP\/1\.[01] 101 /.test(received.toString("latin1", 0, lineEnd + 2))) {
      if (head.length > 0) upstream.write(head);
      splice(client, upstream);
      return;
    }
    // The rest of the service's answer, then the end: no second request goes up, and
    // the client's unread bytes are dropped with its connection.
    upstream.pipe(client, { end: false });
    upstream.on("end", () => client.destroySoon());
    upstream.on("close", () => client.destroySoon());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.end();
  };
  upstream.on("data", onData);
  upstream.on("error", () => {});
  upstream.once("close", noAnswer);
  client.once("close", beforeAnswer);
}

/** The TLS server name for a service host: only DNS names may be sent as SNI. */
export function servernameFor(host: string): string {
  return isIP(host) === 0 ? host : "";
}
