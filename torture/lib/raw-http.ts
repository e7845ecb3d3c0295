// HTTP at the byte level for hostile scenarios: exact request bytes on a raw socket (node:http
// would refuse to send most smuggling shapes), timed GETs with a chosen Host, and a
// slowloris crowd that trickles header bytes and notes when the server gives up on it.
import { request } from "node:http";
import { connect, type Socket } from "node:net";

export interface RawOutcome {
  /** Status codes of every response that came back, in order. */
  statuses: number[];
  /** True when the server closed (or reset) the connection before we gave up waiting. */
  closedByServer: boolean;
  text: string;
}

/**
 * Writes `bytes` to 127.0.0.1:port and collects what comes back until the server closes,
 * `idleMs` pass without data after a response, or `timeoutMs` in all.
 */
export function rawExchange(
  port: number,
  bytes: string | Buffer,
  options: { idleMs?: number; timeoutMs?: number } = {},
): Promise<RawOutcome> {
  const idleMs = options.idleMs ?? 600;
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    let text = "";
    let idle: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      clearTimeout(deadline);
      clearTimeout(idle);
      socket.destroy();
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      resolve({ statuses, closedByServer, text });
    };
    const deadline = setTimeout(() => finish(false), options.timeoutMs ?? 5000);
    socket.on("connect", () => {
      // A server that refuses a huge head may reset before we finish writing: that is
      // an answer too, so write errors only end the exchange through "close".
      socket.write(bytes);
    });
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      clearTimeout(idle);
      idle = setTimeout(() => finish(false), idleMs);
    });
    socket.on("error", () => {});
    socket.on("close", () => finish(true));
  });
}

export interface Timed {
  status: number;
  ms: number;
  body: string;
}

/** GET http://127.0.0.1:port/path with a chosen Host on a fresh connection, timed. */
export function timedGet(port: number, host: string, path: string, timeoutMs = 10_000) {
  const started = performance.now();
  return new Promise<Timed>((resolve) => {
    const done = (status: number, body = "") =>
      resolve({ status, ms: performance.now() - started, body });
    const req = request({ host: "127.0.0.1", port, path, headers: { host }, agent: false });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on("response", (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (c: string) => {
        body += c;
      });
      response.on("end", () => done(response.statusCode ?? 0, body));
      response.on("error", () => done(0, body));
    });
    req.on("error", () => done(0));
    req.end();
  });
}

export interface Slowloris {
  /** Connections opened. */
  opened: number;
  /** Ms from each connection's open to the server closing it, for those it closed. */
  closedAfterMs: number[];
  /** Status codes the server sent before closing (408 from Node's headersTimeout). */
  statuses: number[];
  /** Resolves once every connection is closed, or after `maxMs` (then destroys the rest). */
  settle(maxMs: number): Promise<void>;
}

/**
 * Opens `count` connections to 127.0.0.1:port that start a request for `host` and then send
 * one more header byte every `everyMs`, never finishing the head.
 */
export async function startSlowloris(
  port: number,
  host: string,
  count: number,
  everyMs: number,
): Promise<Slowloris> {
  const sockets = new Set<Socket>();
  const result: Slowloris = {
    opened: 0,
    closedAfterMs: [],
    statuses: [],
    settle: async (maxMs) => {
      const started = performance.now();
      while (sockets.size > 0 && performance.now() - started < maxMs) {
        await new Promise((r) => setTimeout(r, 200));
      }
      for (const socket of [...sockets]) {
        sockets.delete(socket);
        socket.destroy();
      }
    },
  };
  const openOne = () =>
    new Promise<void>((resolve) => {
      const socket = connect({ port, host: "127.0.0.1" });
      const opened = performance.now();
      let drip: NodeJS.Timeout | undefined;
      sockets.add(socket);
      socket.on("connect", () => {
        result.opened++;
        socket.write(`GET /slow HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `);
        drip = setInterval(() => socket.write("a"), everyMs);
        resolve();
      });
      socket.on("data", (chunk: Buffer) => {
        const match = /HTTP\/1\.[01] (\d{3})/.exec(chunk.toString("latin1"));
        if (match) result.statuses.push(Number(match[1]));
      });
      socket.on("error", () => resolve());
      socket.on("close", () => {
        clearInterval(drip);
        // Only the server's closes count: settle() destroys the rest after removing them.
        if (sockets.delete(socket)) result.closedAfterMs.push(performance.now() - opened);
        resolve();
      });
    });
  // Fifty at a time, so the crowd is in place quickly without a SYN flood of our own.
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, openOne));
  }
  return result;
}
