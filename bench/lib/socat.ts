// socat as a plain userspace TCP relay: one process per target, forking per connection.
import { spawn } from "node:child_process";
import { stopChild } from "../../test-support/processes.js";
import { freePort } from "../../test-support/stack.js";
import { waitForPort } from "../../test-support/tcp-load.js";
import type { RelayPeer } from "./haproxy.js";

export async function startSocat(socat: string, targets: number[]): Promise<RelayPeer> {
  const ports: number[] = [];
  for (const _ of targets) ports.push(await freePort());
  const children = targets.map((target, i) =>
    spawn(
      socat,
      [`TCP-LISTEN:${ports[i]},bind=127.0.0.1,fork,reuseaddr`, `TCP:127.0.0.1:${target}`],
      {
        stdio: "ignore",
      },
    ),
  );
  const stop = async () => {
    await Promise.all(children.map((child) => stopChild(child)));
  };
  try {
    for (const port of ports) await waitForPort(port);
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, pids: children.map((c) => c.pid ?? 0), stop };
}
