// The broker's one listener, and who gets each request: a reverse-proxy subdomain or a
// public link's host goes to its device, /graphql/v1 to the API, /tunnel/v1/* upgrades to
// the agents' gateway (and the on-demand relay).
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import { GRAPHQL_PATH } from "../common/graphql/schema.js";
import { CONTROL_PATH, DATA_PATH, RELAY_PATH } from "../common/tunnel/protocol.js";
import type { GraphqlHandler } from "./api/graphql-handler.js";
import {
  type ClusterHandlers,
  handleClusterRequest,
  isClusterPath,
} from "./cluster/node-server.js";
import type { BrokerConfig } from "./config.js";
import type { ConnectionManager } from "./connections/connection-manager.js";
import type { LinkManager } from "./links/link-manager.js";
import type { PeerSessions } from "./p2p/peer-sessions.js";
import { handleRelayUpgrade, type RemoteRelayLookup } from "./p2p/relay-endpoint.js";
import { proxyRequest, proxyUpgrade } from "./proxy/reverse-proxy.js";
import type { TunnelGateway } from "./tunnel/tunnel-gateway.js";

export interface BrokerRoutes {
  /** POSTs, and (its upgrade) graphql-ws subscriptions over a signed WebSocket. */
  graphql: GraphqlHandler;
  gateway: TunnelGateway;
  connections: ConnectionManager;
  peerSessions: PeerSessions;
  links: LinkManager;
  /** Other nodes' requests (/cluster/v1/*), checked against the cluster's secret. */
  cluster: {
    secret: () => string | null;
    handlers: ClusterHandlers;
    /** Another node's peer session for a relay token that landed here. */
    relayTarget: RemoteRelayLookup;
  };
}

/** A reverse-proxy host of any node of the cluster: `<label>.p<N>.<domain>`. */
function proxyHostPattern(domain: string): RegExp {
  return new RegExp(`^[a-z0-9-]+\\.p\\d+\\.${domain.replaceAll(".", "\\.")}$`);
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

/**
 * True for an origin-form target ("/path?query"), or "*" for OPTIONS. An absolute-form
 * target ("http://other/path") names a host of its own, which RFC 9112 says wins over the
 * Host header: routing by one while forwarding the other would let a request for one
 * subdomain carry another's name to a service, so such targets are refused.
 */
function hasOriginFormTarget(request: IncomingMessage): boolean {
  const url = request.url ?? "";
  return url.startsWith("/") || (url === "*" && request.method === "OPTIONS");
}

/** What to answer a request Node's parser gave up on (Node's own default answers). */
function clientErrorReply(error: NodeJS.ErrnoException): string {
  if (error.code === "HPE_HEADER_OVERFLOW") return "431 Request Header Fields Too Large";
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") return "408 Request Timeout";
  return "400 Bad Request";
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

export function createBrokerServer(config: BrokerConfig, routes: BrokerRoutes): Server {
  // With ACME the listener is TLS from the start; its certificate arrives later (broker/tls/).
  const scheme = config.tls || config.acme ? "https" : "http";
  const proxyHost = proxyHostPattern(config.domain);
  const underProxyDomain = (hostname: string) =>
    hostname.endsWith(`.${config.domain}`) && /\.p\d+\./.test(`.${hostname}`);
  const limits = {
    // A request head must be complete within 20 s of its first byte (slowloris). Node
    // sweeps for late heads every connectionsCheckingInterval (30 s by default, which let
    // a slow head live up to 50 s); every second keeps the bound close to 20 s.
    headersTimeout: 20_000,
    connectionsCheckingInterval: 1_000,
    // No bound on a whole request: reverse-proxied uploads and streams may run for hours.
    requestTimeout: 0,
    keepAliveTimeout: 65_000,
  };
  const server = config.tls
    ? createHttpsServer({
        ...limits,
        cert: readFileSync(config.tls.cert),
        key: readFileSync(config.tls.key),
      })
    : config.acme
      ? createHttpsServer(limits)
      : createHttpServer(limits);
  server.headersTimeout = limits.headersTimeout;
  server.requestTimeout = limits.requestTimeout;
  server.keepAliveTimeout = limits.keepAliveTimeout;
  server.maxHeadersCount = 100;

  server.on("request", (request, response) => {
    const hostname = hostnameOf(request);
    if (hostname === null || !hasOriginFormTarget(request)) {
      response.writeHead(400, { connection: "close" }).end();
      return;
    }
    if (routes.links.handleRequest(hostname, request, response, scheme)) return;
    const route = routes.connections.routeFor(hostname);
    if (route) {
      proxyRequest(route, request, response, scheme);
      return;
    }
    if (underProxyDomain(hostname)) {
      // Another node's reverse proxy, or an unknown or ended subdomain: no detail on
      // whether it ever existed.
      const notFound = () => response.writeHead(404, { "content-length": 0 }).end();
      if (!proxyHost.test(hostname)) return notFound();
      routes.connections
        .foreignRouteFor(hostname)
        .then(
          (found) => (found ? proxyRequest(found, request, response, scheme) : notFound()),
          notFound,
        );
      return;
    }
    const path = pathOf(request);
    if (isClusterPath(path)) {
      handleClusterRequest(
        request,
        response,
        path,
        routes.cluster.secret(),
        routes.cluster.handlers,
      ).catch(() => {
        if (!response.headersSent) response.writeHead(500, { "content-length": 0 }).end();
        else response.destroy();
      });
      return;
    }
    if (path === GRAPHQL_PATH) {
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
    if (hostname === null || !hasOriginFormTarget(request)) {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    if (routes.links.handleUpgrade(hostname, request, socket, head, scheme)) return;
    const route = routes.connections.routeFor(hostname);
    if (route) {
      proxyUpgrade(route, request, socket, head, scheme);
      return;
    }
    const path = pathOf(request);
    if (underProxyDomain(hostname) && proxyHost.test(hostname)) {
      const notFound = () =>
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      routes.connections
        .foreignRouteFor(hostname)
        .then(
          (found) => (found ? proxyUpgrade(found, request, socket, head, scheme) : notFound()),
          notFound,
        );
      return;
    }
    if (!underProxyDomain(hostname)) {
      if (path === CONTROL_PATH) {
        void routes.gateway.handleControlUpgrade(request, socket, head);
        return;
      }
      if (path === DATA_PATH) {
        routes.gateway.handleDataUpgrade(request, socket, head);
        return;
      }
      if (path === RELAY_PATH) {
        handleRelayUpgrade(
          routes.peerSessions,
          routes.gateway,
          request,
          socket,
          head,
          routes.cluster.relayTarget,
        );
        return;
      }
      if (path === GRAPHQL_PATH) {
        routes.graphql.upgrade(request, socket, head).catch(() => socket.destroy());
        return;
      }
    }
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });

  // CONNECT asks a forward proxy for a tunnel; this is not one (without a listener Node
  // would drop the connection without a word).
  server.on("connect", (_request: IncomingMessage, socket: Socket) => {
    socket.on("error", () => socket.destroy());
    socket.end("HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });

  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 ${clientErrorReply(error)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
    } else {
      socket.destroy();
    }
  });
  return server;
}
