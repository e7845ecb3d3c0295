// Headless mode: the desktop core without Electron, for servers and Raspberry Pis. Serves
// the built renderer on 127.0.0.1 (or, with `lan`, on every address, so another machine's
// browser can use it) and carries DesktopApi over a WebSocket. A random token (printed in
// the start link) guards the API either way; Host and Origin are checked so a web page
// elsewhere, or a DNS-rebound name, cannot drive it.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { extname, join, normalize } from "node:path";
import { WebSocketServer } from "ws";
import type { DesktopEvent } from "../../common/desktop-api.js";
import { dispatch } from "../core/api-dispatch.js";
import type { DesktopCore } from "../core/desktop-core.js";

export const HEADLESS_API_PATH = "/api";

export interface HeadlessOptions {
  core: DesktopCore;
  /** The built renderer (index.html and assets). */
  rendererDir: string;
  port?: number;
  token?: string;
  /** Listen on every address (0.0.0.0) rather than 127.0.0.1; the token is still required. */
  lan?: boolean;
}

export interface RunningHeadless {
  url: string;
  /** The link to open: url with the token. */
  link: string;
  port: number;
  /** The address listened on: 127.0.0.1, or 0.0.0.0 with `lan`. */
  listenHost: string;
  /** With `lan`, the links other machines use (one per address of this machine), else none. */
  lanLinks: string[];
  broadcast(event: DesktopEvent): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

export async function startHeadless(options: HeadlessOptions): Promise<RunningHeadless> {
  // An empty token would let any local page in: none given, or an empty one, means a random one.
  const token = options.token || randomBytes(24).toString("base64url");
  const server: Server = createServer();
  let port = options.port ?? 29999;
  const listenHost = options.lan ? "0.0.0.0" : "127.0.0.1";
  // On the LAN the page is reached by one of this machine's addresses; a name is still
  // refused, as a DNS-rebound one would be. Read per request: DHCP may change them.
  const hostNames = () => ["127.0.0.1", "localhost", ...(options.lan ? lanAddresses() : [])];
  const allowedHosts = () => new Set(hostNames().map((name) => `${name}:${port}`));
  const allowedOrigins = () => new Set(hostNames().map((name) => `http://${name}:${port}`));

  server.on("request", async (request, response) => {
    if (!allowedHosts().has(request.headers.host ?? "")) {
      // A name other than loopback pointing here is DNS rebinding, not a user.
      response.writeHead(421, { "content-type": "text/plain" }).end("Misdirected request\n");
      return;
    }
    // The page's own requests carry no Origin or its own; any other (including "null"
    // from sandboxed frames and file: pages) is another site reaching in.
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) {
      response.writeHead(403, { "content-type": "text/plain" }).end("Forbidden\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405).end();
      return;
    }
    const path = new URL(request.url ?? "/", "http://x").pathname;
    const file = path === "/" ? "index.html" : normalize(path).replace(/^[/\\]+/, "");
    if (file.startsWith("..")) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(join(options.rendererDir, file));
      response.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "x-frame-options": "DENY",
        "content-security-policy": [
          "default-src 'self'",
          `connect-src 'self' ws://${request.headers.host}`,
          "img-src 'self' data:",
          "style-src 'self'",
          "script-src 'self'",
          "frame-ancestors 'none'",
          "base-uri 'none'",
          "form-action 'none'",
        ].join("; "),
      });
      response.end(request.method === "HEAD" ? undefined : body);
    } catch {
      response.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on("upgrade", (request: IncomingMessage, socket, head) => {
    const url = new URL(request.url ?? "/", "http://x");
    const given = Buffer.from(url.searchParams.get("token") ?? "");
    const expected = Buffer.from(token);
    const tokenOk = given.length === expected.length && timingSafeEqual(given, expected);
    if (
      url.pathname !== HEADLESS_API_PATH ||
      !allowedHosts().has(request.headers.host ?? "") ||
      !allowedOrigins().has(request.headers.origin ?? "") ||
      !tokenOk
    ) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const unsubscribe = options.core.subscribe((event) => ws.send(JSON.stringify(event)));
      ws.on("close", unsubscribe);
      ws.on("message", async (data) => {
        let message: { id?: unknown; method?: unknown; input?: unknown };
        try {
          message = JSON.parse(data.toString()) as typeof message;
        } catch {
          ws.close(1003, "Messages must be JSON.");
          return;
        }
        const result = await dispatch(options.core, message.method, message.input);
        ws.send(JSON.stringify({ id: message.id, result }));
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: listenHost, port }, () => resolve());
  });
  const address = server.address() as AddressInfo;
  port = address.port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    link: `${url}/?token=${token}`,
    port,
    listenHost: address.address,
    lanLinks: options.lan
      ? lanAddresses().map((name) => `http://${name}:${port}/?token=${token}`)
      : [],
    broadcast(event) {
      for (const client of wss.clients) client.send(JSON.stringify(event));
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** This machine's IPv4 addresses other than loopback (0.0.0.0 is IPv4 only). */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((info) => (info && !info.internal && info.family === "IPv4" ? [info.address] : []));
}
