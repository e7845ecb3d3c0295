// Probes for the headless app's loopback server: plain HTTP requests and WebSocket upgrades
// with exactly the Host, Origin and token a hostile page (or a DNS-rebound name) would send.
import { request } from "node:http";
import { connect } from "node:net";
import { WebSocket } from "ws";

export interface HttpProbe {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** GET (or `method`) 127.0.0.1:port`path` with these headers verbatim; status 0 on error. */
export function httpProbe(
  port: number,
  path: string,
  headers: Record<string, string>,
  method = "GET",
): Promise<HttpProbe> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers, agent: false });
    req.setTimeout(5000, () => req.destroy());
    req.on("response", (response) => {
      let body = "";
      response.setEncoding("latin1");
      response.on("data", (c: string) => {
        body += c;
      });
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, body, headers: response.headers }),
      );
      response.on("error", () => resolve({ status: 0, body, headers: {} }));
    });
    req.on("error", () => resolve({ status: 0, body: "", headers: {} }));
    req.end();
  });
}

export interface WsProbe {
  /** True when the upgrade succeeded. */
  opened: boolean;
  /** The refusal's status code (0 when the socket just closed or errored). */
  status: number;
  /** The open socket, for a caller that expects success; closed otherwise. */
  socket?: WebSocket;
}

/** A WebSocket upgrade to `url` (on 127.0.0.1) with chosen Host and Origin headers. */
export function wsProbe(url: string, headers: Record<string, string>): Promise<WsProbe> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers, handshakeTimeout: 5000 });
    socket.once("open", () => resolve({ opened: true, status: 101, socket }));
    socket.once("unexpected-response", (_req, response) => {
      resolve({ opened: false, status: response.statusCode ?? 0 });
      response.resume();
      socket.terminate();
    });
    socket.once("error", () => resolve({ opened: false, status: 0 }));
  });
}

/** One DesktopApi call over an open headless socket; resolves its result. */
export function wsCall(
  socket: WebSocket,
  method: string,
  input: unknown = {},
): Promise<{ ok: boolean }> {
  const id = Math.random().toString(36).slice(2);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${method}: no answer`)), 5000);
    const onMessage = (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { id?: string; result?: { ok: boolean } };
      if (message.id !== id || !message.result) return;
      clearTimeout(timer);
      socket.off("message", onMessage);
      resolve(message.result);
    };
    socket.on("message", onMessage);
    socket.send(JSON.stringify({ id, method, input }));
  });
}

/** True when nothing accepts a TCP connection on host:port (ECONNREFUSED). */
export function refusesOn(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}
