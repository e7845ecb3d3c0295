// A visitor that streams through an echo service in rounds: it sends a block, waits for
// the same bytes to come back, compares them, and times the round trip. Any mismatch is
// a corrupted byte; any error or close it did not ask for is an unexpected reset.
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

const PATTERN = randomBytes(1024 * 1024);

export interface VisitorStats {
  rounds: number;
  bytes: number;
  corrupted: number;
  /** Round-trip times, ms. */
  latencies: number[];
  /** How the visitor ended: "stopped" when asked to, else the error code or "closed". */
  end: string;
  /** performance.now() when the socket closed. */
  closedAt: number;
}

export interface EchoVisitor {
  stats: VisitorStats;
  /** Resolves when the socket has closed, for whatever reason. */
  done: Promise<VisitorStats>;
  stop(): void;
}

export function startEchoVisitor(
  port: number,
  options: { block?: number; seed?: number; localAddress?: string } = {},
): EchoVisitor {
  const block = options.block ?? 16 * 1024;
  let offset = ((options.seed ?? 0) * 7919) % (PATTERN.length - block);
  const stats: VisitorStats = {
    rounds: 0,
    bytes: 0,
    corrupted: 0,
    latencies: [],
    end: "open",
    closedAt: 0,
  };
  let stopping = false;
  let expected = PATTERN.subarray(offset, offset + block);
  let received = 0;
  let sentAt = 0;
  const socket: Socket = connect({ port, host: "127.0.0.1", localAddress: options.localAddress });
  const send = () => {
    offset = (offset + 4099) % (PATTERN.length - block);
    expected = PATTERN.subarray(offset, offset + block);
    received = 0;
    sentAt = performance.now();
    socket.write(expected);
  };
  socket.setNoDelay(true);
  socket.once("connect", send);
  socket.on("data", (chunk: Buffer) => {
    const want = expected.subarray(received, received + chunk.length);
    if (chunk.length > want.length || !chunk.equals(want)) stats.corrupted++;
    received += chunk.length;
    stats.bytes += chunk.length;
    if (received >= block) {
      stats.rounds++;
      stats.latencies.push(performance.now() - sentAt);
      if (stopping) socket.end();
      else send();
    }
  });
  socket.on("error", (error: NodeJS.ErrnoException) => {
    if (stats.end === "open") stats.end = error.code ?? "error";
  });
  const done = new Promise<VisitorStats>((resolve) => {
    socket.once("close", () => {
      if (stats.end === "open") stats.end = stopping ? "stopped" : "closed";
      stats.closedAt = performance.now();
      resolve(stats);
    });
  });
  return {
    stats,
    done,
    stop() {
      stopping = true;
      // A visitor between rounds (or never connected) ends now; one mid-round at its end.
      if (received === 0 || received >= block) socket.end();
    },
  };
}
