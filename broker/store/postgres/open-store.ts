// Opens the broker's store in PostgreSQL (postgres://USER:PASS@HOST:PORT/DB): the store of
// a cluster, where every broker node points at the same database. Migrations run in one
// transaction under an advisory lock, so nodes starting together migrate once: the first
// takes the lock and migrates, the others wait for it and then find nothing left to do.
import type { BrokerStore } from "../store.js";
import { PgAcmeStore } from "./acme.js";
import { PgConnectionStore } from "./connections.js";
import { PgDatabase } from "./database.js";
import { describePostgresUrl } from "./describe-url.js";
import { PgDeviceStore } from "./devices.js";
import { PgLinkStore } from "./links.js";
import { MIGRATIONS } from "./migrations.js";
import { PgNodeStore } from "./nodes.js";
import { PgUserStore } from "./users.js";

/** Any fixed number: every Reach node asks for the same one ("reach" in ASCII). */
const MIGRATION_LOCK = 0x7265616368;

export async function openPostgresStore(url: string): Promise<BrokerStore> {
  const where = describePostgresUrl(url);
  const db = new PgDatabase(url, where);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw new Error(`The store ${where} could not be opened: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    users: new PgUserStore(db),
    devices: new PgDeviceStore(db),
    connections: new PgConnectionStore(db),
    links: new PgLinkStore(db),
    nodes: new PgNodeStore(db),
    acme: new PgAcmeStore(db),
    close: () => db.close(),
  };
}

async function migrate(db: PgDatabase): Promise<void> {
  await db.transaction(async (client) => {
    // Held until this transaction ends, and released even when the node dies meanwhile.
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS reach_migrations (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)",
    );
    const { rows } = await client.query<{ n: number }>(
      "SELECT coalesce(max(version), 0)::int AS n FROM reach_migrations",
    );
    const current = rows[0]?.n ?? 0;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `it was written by a newer Reach (schema ${current}, this one knows ${MIGRATIONS.length}).`,
      );
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version] as string);
      await client.query("INSERT INTO reach_migrations (version, applied) VALUES ($1, $2)", [
        version + 1,
        new Date().toISOString(),
      ]);
    }
  });
}
