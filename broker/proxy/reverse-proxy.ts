// The reverse proxy: requests whose Host is a connection's random subdomain are relayed
// to the device's web service through tunnel streams. Keep-alive both ways, bodies
// streamed, WebSocket upgrades spliced, X-Forwarded-* set.
import type { Agent, IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { request as httpRequest } from "node:http";
import type { Socket } from "node:net";
import { isIP } from "node:net";
import { splice } from "../../common/stream/splice.js";
import type { LiveConnection } from "../connections/live-connection.js";
import type { StreamOpener } from "./port-proxy.js";
import { wrapTls } from "./tunnel-http-agent.js";

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
  live: LiveConnection;
  agent: Agent;
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

function responseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
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
  const upstream = httpRequest({
    agent: route.agent,
    method: request.method,
    path: request.url,
    headers: forwardedHeaders(request, scheme),
    // Host and port are unused (the agent's streams already lead to the service) but
    // name the service, so keep-alive pools are per service.
    host: route.servername,
    setHost: false,
  });
  upstream.on("response", (reply) => {
    response.writeHead(
      reply.statusCode ?? 502,
      reply.statusMessage,
      responseHeaders(reply.headers),
    );
    reply.pipe(response);
    reply.on("error", () => response.destroy());
  });
  upstream.on("error", () => {
    if (!response.headersSent) {
      response.writeHead(502, { "content-type": "text/plain" }).end("Bad gateway\n");
    } else {
      response.destroy();
    }
  });
  response.on("close", () => {
    if (!response.writableFinished) upstream.destroy();
  });
  request.pipe(upstream);
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
      if (head.length > 0) upstream.write(head);
      splice(client, upstream);
    },
    () => client.end("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
  );
}

/** The TLS server name for a service host: only DNS names may be sent as SNI. */
export function servernameFor(host: string): string {
  return isIP(host) === 0 ? host : "";
}
