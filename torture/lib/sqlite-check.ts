// Reads a stopped broker's store directly: integrity and which connections it holds.
import { join } from "node:path";
import Database from "better-sqlite3";
import { DATABASE_FILE } from "../../broker/store/sqlite/open-database.js";

/** `PRAGMA integrity_check` on the broker's store ("ok" when sound). */
export function integrityCheck(brokerDataDir: string): string {
  const db = new Database(join(brokerDataDir, DATABASE_FILE));
  try {
    const rows = db.pragma("integrity_check") as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join("; ");
  } finally {
    db.close();
  }
}

/**
 * Checkpoints the WAL into the database and truncates it (the broker may be running: WAL
 * mode allows a second connection). Done before filling a disk, so that the broker's next
 * write must grow the WAL and really meets the full disk, not space the WAL kept.
 */
export function truncateWal(brokerDataDir: string): void {
  const db = new Database(join(brokerDataDir, DATABASE_FILE));
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}
