// Small real-socket probes the scenarios use to ask "does this path carry bytes?".
import { execFileSync } from "node:child_process";
import { connect } from "node:net";

/**
 * Connects to host (127.0.0.1 unless given):port, sends one byte and resolves true if it
 * comes back in time.
 */
export function echoOnce(
  port: number,
  options: { timeoutMs?: number; localAddress?: string; host?: string } = {},
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({
      port,
      host: options.host ?? "127.0.0.1",
      localAddress: options.localAddress,
    });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), options.timeoutMs ?? 2000);
    socket.once("connect", () => socket.write("x"));
    socket.once("data", (chunk: Buffer) => done(chunk[0] === 0x78));
    socket.once("error", () => done(false));
    socket.once("close", () => done(false));
  });
}

/** True when nothing accepts a TCP connection on 127.0.0.1:port (ECONNREFUSED). */
export function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

/** Polls `probe` every `everyMs` until it is true; resolves the ms it took, or null at the deadline. */
export async function waitUntil(
  probe: () => Promise<boolean>,
  deadlineMs: number,
  everyMs = 50,
): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < deadlineMs) {
    if (await probe()) return performance.now() - started;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return null;
}

/**
 * Drops every TCP socket towards 127.0.0.1:port with `ss -K` (the kernel aborts them, as a
 * network cut would): the agent's tunnel when `port` is the broker's.
 */
export function dropConnectionsTo(port: number): void {
  execFileSync("ss", ["-K", "dst", "127.0.0.1", "dport", "=", `:${port}`], { stdio: "ignore" });
}
