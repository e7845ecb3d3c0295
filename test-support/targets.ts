// Real target services for tests: a TCP echo server and an HTTP server with a WebSocket
// echo, each counting the connections that reached it.
import { once } from "node:events";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, createServer, type Server as NetServer } from "node:net";
import { WebSocketServer } from "ws";

export interface TcpEcho {
  port: number;
  /** Connections that reached the service. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startTcpEcho(): Promise<TcpEcho> {
  let accepted = 0;
  const server: NetServer = createServer({ allowHalfOpen: true }, (socket) => {
    accepted++;
    socket.on("error", () => socket.destroy());
    socket.pipe(socket);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    close: () => closeServer(server),
  };
}

export interface HttpTarget {
  port: number;
  /** The last request's headers, as the service saw them. */
  lastHeaders: IncomingMessage["headers"] | null;
  /** TCP connections that reached the service (keep-alive reuses them). */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Routes: GET / → "hello from target"; POST /echo → the body, streamed back;
 * GET /bytes?n=N → N bytes of a repeating pattern; any path over WebSocket → echo.
 */
export async function startHttpTarget(tls?: { cert: string; key: string }): Promise<HttpTarget> {
  let connections = 0;
  const target: HttpTarget = {
    port: 0,
    lastHeaders: null,
    get connections() {
      return connections;
    },
    close: async () => {},
  };
  const handler = (request: IncomingMessage, response: import("node:http").ServerResponse) => {
    target.lastHeaders = request.headers;
    const url = new URL(request.url ?? "/", "http://target");
    if (url.pathname === "/echo") {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      request.pipe(response);
      return;
    }
    if (url.pathname === "/bytes") {
      const n = Number(url.searchParams.get("n") ?? 0);
      response.writeHead(200, { "content-length": n });
      response.end(patternBytes(n));
      return;
    }
    response.writeHead(200, { "content-type": "text/plain" }).end("hello from target");
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  server.on("connection", () => connections++);
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws, request) => {
    target.lastHeaders = request.headers;
    ws.on("message", (data, binary) => ws.send(data, { binary }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  target.port = (server.address() as AddressInfo).port;
  target.close = async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    server.closeAllConnections();
    await closeServer(server);
  };
  return target;
}

export function patternBytes(n: number): Buffer {
  const buffer = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) buffer[i] = (i * 31 + 7) & 255;
  return buffer;
}

function closeServer(server: NetServer | Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A service that sends `bytes` in 1,000-byte writes and closes: the agent then reads
 * small chunks, the case where a relay must not wait for a 'drain' that never comes.
 */
export async function startTrickleSource(bytes: number): Promise<{ port: number; close(): void }> {
  const chunk = patternBytes(1000);
  const server = createServer((socket) => {
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
        sent += piece.length;
        if (!socket.write(piece)) return void socket.once("drain", pump);
      }
      socket.end();
    };
    socket.on("error", () => socket.destroy());
    pump();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}
