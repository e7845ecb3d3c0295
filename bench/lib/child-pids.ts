// The processes a server forks (nginx's workers), read from /proc (Linux), so their CPU
// time can be read like any other process's.
import { readFileSync } from "node:fs";

export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Waits until `pid` has forked `count` children: nginx listens before its workers exist. */
export async function waitForChildren(pid: number, count: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (childPids(pid).length < count) {
    if (Date.now() > deadline) throw new Error(`process ${pid} started no workers`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return childPids(pid);
}
