// The reverse proxy: requests whose Host is a connection's random subdomain are relayed
// to the device's web service through tunnel streams. Keep-alive both ways, bodies
// streamed, WebSocket upgrades spliced, X-Forwarded-* set.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { isIP } from "node:net";
import { splice } from "../../common/stream/splice.js";
import type { LiveConnection } from "../connections/live-connection.js";
import { forwardExchange, type RequestBody } from "./forward-exchange.js";
import type { StreamOpener } from "./port-proxy.js";
import { HOP_BY_HOP } from "./response-head.js";
import { type TunnelHttpPool, wrapTls } from "./tunnel-http-pool.js";

export interface ReverseRoute {
  /** Who tracks the visitors: a connection, or a public link (broker/links/). */
  live: Pick<LiveConnection, "track">;
  pool: TunnelHttpPool;
  openStream: StreamOpener;
  tls: boolean;
  servername: string;
}

/** Set by the broker itself, never passed through from the visitor. */
const FORWARDED = new Set(["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"]);

/**
 * The request head the service gets: the visitor's request line and end-to-end headers
 * (from request.headers, which a public link may have edited), X-Forwarded-* set, then
 * `extra` (header lines, each ending in CRLF). Written as one string: one write.
 */
function requestHead(request: IncomingMessage, scheme: "http" | "https", extra: string): string {
  const headers = request.headers;
  const connection = headers.connection;
  const named = connection
    ? new Set(
        connection
          .toLowerCase()
          .split(",")
          .map((s) => s.trim()),
      )
    : null;
  let head = `${request.method} ${request.url} HTTP/1.1\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || FORWARDED.has(name) || named?.has(name)) {
      continue;
    }
    if (typeof value === "string") head += `${name}: ${value}\r\n`;
    else for (const v of value) head += `${name}: ${v}\r\n`;
  }
  const client = request.socket.remoteAddress ?? "";
  const prior = headers["x-forwarded-for"];
  head += `x-forwarded-for: ${prior ? `${prior}, ${client}` : client}\r\n`;
  head += `x-forwarded-proto: ${scheme}\r\nx-forwarded-host: ${headers.host ?? ""}\r\n`;
  return `${head}${extra}\r\n`;
}

export function proxyRequest(
  route: ReverseRoute,
  request: IncomingMessage,
  response: ServerResponse,
  scheme: "http" | "https",
): void {
  route.live.track(request.socket, Date.now());
  // Node's parser has already refused a request with both, or with a Transfer-Encoding
  // that does not end in chunked; its body reaches us decoded, and is chunked again.
  const body: RequestBody =
    request.headers["transfer-encoding"] !== undefined
      ? "chunked"
      : request.headers["content-length"] !== undefined
        ? "length"
        : "none";
  const extra = body === "chunked" ? "transfer-encoding: chunked\r\n" : "";
  forwardExchange(route.pool, request, response, requestHead(request, scheme, extra), body);
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
      const upgrade = `connection: Upgrade\r\nupgrade: ${request.headers.upgrade ?? "websocket"}\r\n`;
      upstream.write(requestHead(request, scheme, upgrade), "latin1");
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
