// The broker's one listener, and who gets each request: a reverse-proxy subdomain goes to
// its device, /graphql/v1 to the API, /tunnel/v1/* upgrades to the agents' gateway (and
// the on-demand relay).
import { readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import { GRAPHQL_PATH } from "../common/graphql/schema.js";
import { CONTROL_PATH, DATA_PATH, RELAY_PATH } from "../common/tunnel-protocol.js";
import type { BrokerConfig } from "./config.js";
import type { ConnectionManager } from "./connections/connection-manager.js";
import type { PeerSessions } from "./p2p/peer-sessions.js";
import { handleRelayUpgrade } from "./p2p/relay-endpoint.js";
import { proxyRequest, proxyUpgrade } from "./proxy/reverse-proxy.js";
import type { TunnelGateway } from "./tunnel/tunnel-gateway.js";

export interface BrokerRoutes {
  graphql: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  gateway: TunnelGateway;
  connections: ConnectionManager;
  peerSessions: PeerSessions;
}

/** The request's host name, lower case and without port; null when it is ambiguous. */
function hostnameOf(request: IncomingMessage): string | null {
  let count = 0;
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]?.toLowerCase() === "host") count++;
  }
  // Two Host headers is a request-smuggling shape: refuse rather than pick one.
  if (count > 1) return null;
  const host = (request.headers.host ?? "").toLowerCase();
  return host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : (host.split(":")[0] ?? "");
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

export function createBrokerServer(config: BrokerConfig, routes: BrokerRoutes): Server {
  const scheme = config.tls ? "https" : "http";
  const proxySuffix = `.p${config.node}.${config.domain}`;
  const server = config.tls
    ? createHttpsServer({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) })
    : createHttpServer();
  server.headersTimeout = 20_000;
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  server.maxHeadersCount = 100;

  server.on("request", (request, response) => {
    const hostname = hostnameOf(request);
    if (hostname === null) {
      response.writeHead(400, { connection: "close" }).end();
      return;
    }
    const route = routes.connections.routeFor(hostname);
    if (route) {
      proxyRequest(route, request, response, scheme);
      return;
    }
    if (hostname.endsWith(proxySuffix)) {
      // An unknown or ended subdomain: no detail on whether it ever existed.
      response.writeHead(404, { "content-length": 0 }).end();
      return;
    }
    if (pathOf(request) === GRAPHQL_PATH) {
      routes.graphql(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
        else response.destroy();
      });
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
  });

  server.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const hostname = hostnameOf(request);
    const route = hostname ? routes.connections.routeFor(hostname) : undefined;
    if (route) {
      proxyUpgrade(route, request, socket, head, scheme);
      return;
    }
    const path = pathOf(request);
    if (hostname && !hostname.endsWith(proxySuffix)) {
      if (path === CONTROL_PATH) {
        routes.gateway.handleControlUpgrade(request, socket, head);
        return;
      }
      if (path === DATA_PATH) {
        routes.gateway.handleDataUpgrade(request, socket, head);
        return;
      }
      if (path === RELAY_PATH) {
        handleRelayUpgrade(routes.peerSessions, routes.gateway, request, socket, head);
        return;
      }
    }
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });

  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  return server;
}
