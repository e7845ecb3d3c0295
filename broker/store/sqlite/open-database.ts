// Opens the broker's SQLite store: WAL so the admin command can write while the broker
// runs, a busy timeout for the moments they meet, and migrations brought up to date.
import { existsSync, rmSync, statfsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ensureWritableDir } from "../../../common/fs/writable-dir.js";
import { messageOf } from "../../../common/result.js";
import { MIGRATIONS } from "./migrations.js";

export type Db = Database.Database;

export const DATABASE_FILE = "reach.sqlite";

export function openDatabase(dataDir: string): Db {
  ensureWritableDir(dataDir);
  const file = join(dataDir, DATABASE_FILE);
  const isNew = !existsSync(file);
  let db: Db | undefined;
  try {
    db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    migrate(db);
    return db;
  } catch (error) {
    db?.close();
    // SQLite often reports a full disk as an I/O error; free space says which it was.
    const stats = statfsSync(dataDir);
    const freeKiB = Math.floor((stats.bavail * stats.bsize) / 1024);
    // A store that could not even be created is removed, not left half-made. Migrations
    // run in transactions, so an existing store is left as it was.
    if (isNew) for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
    const reason = freeKiB < 1024 ? `the disk is full (${freeKiB} KiB free)` : messageOf(error);
    throw new Error(`The store ${file} could not be opened: ${reason}.`);
  }
}

function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `The store was written by a newer Reach (schema ${current}, this one knows ${MIGRATIONS.length}).`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    const step = MIGRATIONS[version] as string;
    db.transaction(() => {
      db.exec(step);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
