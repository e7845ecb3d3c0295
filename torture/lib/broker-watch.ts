// What a hostile scenario watches on the broker between attacks: is the process alive,
// how much memory does it hold, how many connections has its store ever recorded (active
// or ended: a refused request must not have created one, even briefly), and which are
// active for each user.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DATABASE_FILE } from "../../broker/store/sqlite/open-database.js";
import type { BrokerProcess } from "../../test-support/reach-processes.js";
import type { Keys, TortureStack } from "./stack.js";

export function isAlive(broker: BrokerProcess): boolean {
  return broker.child.exitCode === null && broker.child.signalCode === null;
}

/** Resident memory of a process in MiB (Linux /proc); NaN where that is not readable. */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Rows in the broker's connections table, read from its SQLite store beside it. */
export function connectionRows(brokerDataDir: string): number {
  const db = new Database(join(brokerDataDir, DATABASE_FILE), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM connections").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** What an attack may not change: the store's rows and each user's active connections. */
export interface Snapshot {
  rows: number;
  /** "name [id,id] name [id]", sorted, as the API lists them. */
  active: string;
}

export async function snapshot(
  stack: TortureStack,
  users: Record<string, Keys>,
): Promise<Snapshot> {
  const active: string[] = [];
  for (const [name, keys] of Object.entries(users)) {
    const reply = await stack.api<{ login: { connections: { id: string }[] } }>(
      keys,
      "{ login { connections { id } } }",
    );
    const ids = reply.data?.login.connections.map((c) => c.id) ?? ["(no answer)"];
    active.push(`${name} [${ids.sort().join(",")}]`);
  }
  return { rows: connectionRows(stack.brokerDataDir), active: active.join(" ") };
}
