// TCP load for benchmarks and torture runs: a sink/source service, timed bulk transfers
// and 1-byte echo round trips.
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";

const CHUNK = Buffer.alloc(256 * 1024, 0x5a);

/** Writes `bytes` bytes, respecting backpressure, then ends the socket. */
function sendBytes(socket: Socket, bytes: number): void {
  let left = bytes;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      if (!socket.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        socket.once("drain", pump);
        return;
      }
    }
    socket.end();
  };
  pump();
}

/**
 * A bulk service. The client's first byte chooses: "u" (upload) → the service reads
 * until EOF and answers with one byte; "d<n>" → it sends n bytes and closes.
 */
export async function startBulkService(): Promise<{ port: number; server: Server }> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on("error", () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      if (first[0] === 0x75) {
        socket.on("data", () => {});
        socket.on("end", () => socket.end("k"));
        return;
      }
      sendBytes(socket, Number(first.subarray(1).toString()));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { port: (server.address() as AddressInfo).port, server };
}

/** Uploads `bytes` through host:port and returns MiB/s, timed until the service's ack. */
export function upload(port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    const start = process.hrtime.bigint();
    socket.on("error", reject);
    socket.once("connect", () => {
      socket.write("u");
      sendBytes(socket, bytes);
    });
    socket.on("data", () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      socket.destroy();
      resolve(bytes / 1048576 / seconds);
    });
  });
}

/** Downloads `bytes` through host:port and returns MiB/s; fails if any byte is missing. */
export function download(port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const start = process.hrtime.bigint();
    let got = 0;
    socket.on("error", reject);
    socket.once("connect", () => socket.write(`d${bytes}`));
    socket.on("data", (c: Buffer) => {
      got += c.length;
    });
    socket.on("close", () => {
      if (got !== bytes) {
        reject(new Error(`download got ${got} of ${bytes} bytes`));
        return;
      }
      resolve(bytes / 1048576 / (Number(process.hrtime.bigint() - start) / 1e9));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: "127.0.0.1" });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Connects, sends one byte, waits for its echo, closes: milliseconds for the whole setup.
 * No local address unless asked for: binding before connecting cannot reuse the ports of
 * TIME_WAIT sockets, and after some 14,000 closed connections on loopback (a full run's
 * latency samples) each bind took about 3 ms, which the samples then measured.
 */
export function echoRoundTrip(port: number, localAddress?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const socket = connect({ port, host: "127.0.0.1", localAddress });
    socket.setNoDelay(true);
    socket.once("connect", () => socket.write("x"));
    socket.once("data", () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      socket.destroy();
      resolve(ms);
    });
    socket.once("error", reject);
  });
}
