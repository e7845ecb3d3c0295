// HAProxy (Debian's package) in `mode tcp`: the other TCP relay a user would put next to
// socat. One throwaway process on loopback, its config in a temp dir.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopChild } from "../../test-support/processes.js";
import { freePort } from "../../test-support/stack.js";
import { waitForPort } from "../../test-support/tcp-load.js";

export interface RelayPeer {
  /** Port relaying to each target, in the order asked. */
  ports: number[];
  pids: number[];
  stop(): Promise<void>;
}

export async function startHaproxy(haproxy: string, targets: number[]): Promise<RelayPeer> {
  const dir = mkdtempSync(join(tmpdir(), "reach-bench-haproxy-"));
  const ports: number[] = [];
  for (const _ of targets) ports.push(await freePort());
  writeFileSync(
    join(dir, "haproxy.cfg"),
    [
      "global",
      // One thread, as the broker is one Node thread and nginx runs one worker.
      "  nbthread 1",
      // Each connection takes two descriptors; more than the usual 20,000 limit allows would
      // stop it starting ("Cannot raise FD limit").
      "  maxconn 8000",
      "defaults",
      "  mode tcp",
      "  timeout connect 5s",
      "  timeout client 5m",
      "  timeout server 5m",
      ...targets.flatMap((target, i) => [
        `listen relay${i}`,
        `  bind 127.0.0.1:${ports[i]}`,
        `  server target 127.0.0.1:${target}`,
      ]),
      "",
    ].join("\n"),
  );
  // -db: stay in the foreground, one process, so its pid is the one doing the work.
  const child: ChildProcess = spawn(haproxy, ["-db", "-f", join(dir, "haproxy.cfg")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    // Kept short: only what explains a failed start matters.
    if (stderr.length < 4096) stderr += chunk;
  });
  try {
    for (const port of ports) await waitForPort(port);
  } catch (error) {
    await stopChild(child);
    throw new Error(`haproxy did not start (${String(error)}): ${stderr}`);
  }
  return {
    ports,
    pids: [child.pid ?? 0],
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
