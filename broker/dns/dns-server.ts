// The broker's authoritative DNS server: UDP and TCP on one port (--dns-listen), each query
// handed to dns-exchange.ts. Bounded everywhere a stranger could make it grow: the size of
// a query, a TCP connection's buffer and idle time, the number of TCP connections.
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, isIP, type Socket } from "node:net";
import { hostForUrl } from "../config.js";
import type { Logger } from "../log.js";
import { exchange, type SnapshotFor, type Transport } from "./dns-exchange.js";

/** No honest query comes near this (a name is at most 255 bytes); larger ones are dropped. */
export const MAX_QUERY_BYTES = 4096;
/** RFC 7766 §6.2.3: servers should close idle TCP connections after some seconds. */
export const TCP_IDLE_MS = 10_000;
export const MAX_TCP_CONNECTIONS = 256;
/** What one TCP connection may have buffered: a socket read's worth and one whole frame. */
export const MAX_TCP_BUFFER = 65_536 + 2 + MAX_QUERY_BYTES;

export interface DnsServer {
  /** The port both sockets are bound to (the one asked for, or the one port 0 gave). */
  port: number;
  close(): Promise<void>;
}

export interface DnsServerOptions {
  host: string;
  port: number;
  snapshotFor: SnapshotFor;
  log: Logger;
}

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const { host, log } = options;
  const answer = async (query: Buffer, transport: Transport): Promise<Buffer | null> => {
    try {
      return await exchange(query, transport, options.snapshotFor);
    } catch (error) {
      // exchange() answers every query it can read; this is a bug, not the client's fault.
      log.warn("dns query failed", { error: String(error) });
      return null;
    }
  };
  // Port 0: UDP picks a port, then TCP takes the same one; should another process hold it
  // for TCP, try again with a fresh one.
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(host, options.port, answer);
    const port = udp.address().port;
    try {
      const closeTcp = await bindTcp(host, port, answer);
      return {
        port,
        close: async () => {
          await new Promise<void>((resolve) => udp.close(() => resolve()));
          await closeTcp();
        },
      };
    } catch (error) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if (options.port !== 0 || attempt >= 5) throw error;
    }
  }
}

type Answer = (query: Buffer, transport: Transport) => Promise<Buffer | null>;

function bindUdp(host: string, port: number, answer: Answer): Promise<UdpSocket> {
  const udp = createSocket({ type: isIP(host) === 6 ? "udp6" : "udp4" });
  udp.on("message", (query, peer) => {
    if (query.length > MAX_QUERY_BYTES) return;
    void answer(query, "udp").then((reply) => {
      if (!reply) return;
      try {
        // A send that fails (the peer's network gone) leaves nothing to do.
        udp.send(reply, peer.port, peer.address, () => {});
      } catch {
        // The socket closed while the answer was being made: the broker is stopping.
      }
    });
  });
  return new Promise((resolve, reject) => {
    udp.once("error", (error) => reject(portError(host, port, "UDP", error)));
    udp.bind(port, host, () => {
      udp.removeAllListeners("error");
      udp.on("error", () => {});
      resolve(udp);
    });
  });
}

/** The TCP listener; its close() ends open connections too (server.close() would wait). */
function bindTcp(host: string, port: number, answer: Answer): Promise<() => Promise<void>> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    serveTcp(socket, answer);
  });
  server.maxConnections = MAX_TCP_CONNECTIONS;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return new Promise((resolve, reject) => {
    server.once("error", (error) => reject(portError(host, port, "TCP", error)));
    server.listen(port, host, () => {
      server.removeAllListeners("error");
      server.on("error", () => {});
      resolve(close);
    });
  });
}

/**
 * RFC 1035 §4.2.2 framing: a two-byte length, then the message. Queries are answered one
 * after another; the socket is paused meanwhile, so a client sending faster than we answer
 * waits in TCP's own buffers, not ours.
 */
function serveTcp(socket: Socket, answer: Answer): void {
  let buffered = Buffer.alloc(0);
  let busy = false;
  socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
  socket.on("error", () => {});
  const next = async () => {
    if (busy) return;
    busy = true;
    socket.pause();
    while (buffered.length >= 2 && !socket.destroyed) {
      const length = buffered.readUInt16BE(0);
      if (length > MAX_QUERY_BYTES) {
        socket.destroy();
        return;
      }
      if (buffered.length < 2 + length) break;
      const query = buffered.subarray(2, 2 + length);
      buffered = buffered.subarray(2 + length);
      const reply = await answer(query, "tcp");
      if (reply && !socket.destroyed) {
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(reply.length);
        // A client that sends but does not read waits for its replies to drain before
        // its next query is read: replies never pile up here.
        if (!socket.write(Buffer.concat([prefix, reply]))) await drained(socket);
      }
    }
    busy = false;
    if (!socket.destroyed) socket.resume();
  };
  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (buffered.length > MAX_TCP_BUFFER) {
      socket.destroy();
      return;
    }
    void next();
  });
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}

function portError(host: string, port: number, protocol: string, error: Error): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${hostForUrl(host)}:${port}`;
  if (code === "EADDRINUSE") {
    return new Error(
      `--dns-listen ${where}: ${protocol} port ${port} is taken by another process (stop it, or choose another port).`,
    );
  }
  if (code === "EACCES") {
    return new Error(
      `--dns-listen ${where}: not allowed to bind ${protocol} port ${port} (ports below 1024 need CAP_NET_BIND_SERVICE, or forward 53 to a higher port).`,
    );
  }
  return new Error(`--dns-listen ${where}: could not bind ${protocol}: ${error.message}`);
}
