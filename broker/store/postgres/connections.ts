// Proxy connections in PostgreSQL: one row each, 'active' until it ends (then kept as
// history with the reason). The partial unique indexes keep one active row per port and
// per reverse-proxy host, across every node that writes here.
import type { ConnectionRow, ConnectionStore, EndReason } from "../store.js";
import type { PgDatabase, Queryable } from "./database.js";

type FoundRow = ConnectionRow & { state: string; lastActivity: number | null };

const COLUMNS = `id, user_id AS "userId", service_id AS "serviceId", created,
  expires_at AS "expiresAt", timeout, reverse_proxy AS "reverseProxy", host, port, url,
  host_ip AS "hostIP", latched_ip AS "latchedIp", node`;

/**
 * The first key of the two-key advisory locks a user's capped inserts take (the second is
 * the hash of their id): apart from the migrations' one-key lock by construction.
 */
const CAP_LOCK_CLASS = 0x63617073; // "caps"

const INSERT = `INSERT INTO connections (id, user_id, service_id, created, expires_at, timeout,
    reverse_proxy, host, port, url, host_ip, latched_ip, node, state)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'active')`;

function insertValues(row: ConnectionRow): unknown[] {
  return [
    row.id,
    row.userId,
    row.serviceId,
    row.created,
    row.expiresAt,
    row.timeout,
    row.reverseProxy,
    row.host,
    row.port,
    row.url,
    row.hostIP,
    row.latchedIp,
    row.node,
  ];
}

async function countActiveOn(client: Queryable, userId: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM connections WHERE user_id = $1 AND state = 'active'",
    [userId],
  );
  return rows[0]?.n ?? 0;
}

export class PgConnectionStore implements ConnectionStore {
  constructor(private readonly db: PgDatabase) {}

  async insert(row: ConnectionRow): Promise<void> {
    await this.db.query(INSERT, insertValues(row));
  }

  async insertWithinCap(row: ConnectionRow, cap: number): Promise<boolean> {
    return this.db.transaction(async (client) => {
      // One inserter per user at a time, on every node: held until this transaction ends.
      // Under READ COMMITTED the count then sees every row its predecessors committed.
      await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [
        CAP_LOCK_CLASS,
        row.userId,
      ]);
      if ((await countActiveOn(client, row.userId)) >= cap) return false;
      await client.query(INSERT, insertValues(row));
      return true;
    });
  }

  async end(id: string, reason: EndReason): Promise<boolean> {
    // "AND state = 'active'" makes ending a row once: a second ender sees no row changed.
    const rows = await this.db.query(
      "UPDATE connections SET state = $1, ended = $2 WHERE id = $3 AND state = 'active' RETURNING id",
      [reason, new Date().toISOString(), id],
    );
    return rows.length === 1;
  }

  async recordLatch(id: string, address: string): Promise<string> {
    // First wins: the row lock orders racing nodes, and the later one keeps the first's
    // address. A row already gone latches nothing: the caller's address is the answer.
    const [row] = await this.db.query<{ latchedIp: string }>(
      `UPDATE connections SET latched_ip = coalesce(latched_ip, $1) WHERE id = $2
       RETURNING latched_ip AS "latchedIp"`,
      [address, id],
    );
    return row?.latchedIp ?? address;
  }

  async touch(id: string, at: number): Promise<void> {
    // greatest() skips a NULL: the first touch sets it, later ones keep the larger time.
    await this.db.query(
      "UPDATE connections SET last_activity = greatest(last_activity, $1) WHERE id = $2",
      [at, id],
    );
  }

  async find(id: string): Promise<FoundRow | undefined> {
    const [row] = await this.db.query<FoundRow>(
      `SELECT ${COLUMNS}, state, last_activity AS "lastActivity" FROM connections WHERE id = $1`,
      [id],
    );
    return row;
  }

  async findActiveByHost(host: string): Promise<ConnectionRow | undefined> {
    const [row] = await this.db.query<ConnectionRow>(
      `SELECT ${COLUMNS} FROM connections WHERE host = $1 AND state = 'active' AND reverse_proxy`,
      [host],
    );
    return row;
  }

  async listActiveOfUser(userId: string): Promise<ConnectionRow[]> {
    return this.db.query<ConnectionRow>(
      `SELECT ${COLUMNS} FROM connections WHERE user_id = $1 AND state = 'active'
       ORDER BY created COLLATE "C"`,
      [userId],
    );
  }

  async countActive(userId: string): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM connections WHERE user_id = $1 AND state = 'active'",
      [userId],
    );
    return row?.n ?? 0;
  }

  async listAllActive(): Promise<ConnectionRow[]> {
    return this.db.query<ConnectionRow>(
      `SELECT ${COLUMNS} FROM connections WHERE state = 'active'`,
    );
  }

  async listActiveOfNode(node: number): Promise<ConnectionRow[]> {
    return this.db.query<ConnectionRow>(
      `SELECT ${COLUMNS} FROM connections WHERE node = $1 AND state = 'active'
       ORDER BY created COLLATE "C"`,
      [node],
    );
  }

  async endedAmong(ids: readonly string[]): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      "SELECT id FROM connections WHERE id = ANY($1::text[]) AND state = 'active'",
      [ids],
    );
    const active = new Set(rows.map((r) => r.id));
    return ids.filter((id) => !active.has(id));
  }

  async activeIdsOfService(serviceId: string): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      "SELECT id FROM connections WHERE service_id = $1 AND state = 'active'",
      [serviceId],
    );
    return rows.map((r) => r.id);
  }
}
