// Proxy connections in PostgreSQL: one row each, 'active' until it ends (then kept as
// history with the reason). The partial unique indexes keep one active row per port and
// per reverse-proxy host, across every node that writes here. Each user's active ones are
// also counted in active_connections, in the same statement that opens or ends one, so the
// cap is checked on one row: counting the rows cost a connect about 1 ms more for every
// 5,000 a user had open (measured with 32 connects at a time on this 2-core machine).
import type { ConnectionRow, ConnectionStore, EndReason } from "../store.js";
import type { PgDatabase } from "./database.js";

type FoundRow = ConnectionRow & { state: string; lastActivity: number | null };

const COLUMNS = `id, user_id AS "userId", service_id AS "serviceId", created,
  expires_at AS "expiresAt", timeout, reverse_proxy AS "reverseProxy", host, port, url,
  host_ip AS "hostIP", latched_ip AS "latchedIp", node`;

/**
 * One statement: the user's count goes up by one (only while under the cap, $14, when one
 * is given) and the row is inserted only if it did. The counter's row lock orders racing
 * inserts of one user on every node, and ON CONFLICT re-checks the cap on the row as the
 * one before left it; a failed insert (a port taken) undoes the count with it.
 */
function insertStatement(capped: boolean): string {
  return `WITH counted AS (
      INSERT INTO active_connections (user_id, active) VALUES ($2, 1)
      ON CONFLICT (user_id) DO UPDATE SET active = active_connections.active + 1
        ${capped ? "WHERE active_connections.active < $14" : ""}
      RETURNING 1
    )
    INSERT INTO connections (id, user_id, service_id, created, expires_at, timeout,
      reverse_proxy, host, port, url, host_ip, latched_ip, node, state)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'active'
    WHERE EXISTS (SELECT 1 FROM counted)
    RETURNING id`;
}
const INSERT = insertStatement(false);
const INSERT_WITHIN_CAP = insertStatement(true);

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

export class PgConnectionStore implements ConnectionStore {
  constructor(private readonly db: PgDatabase) {}

  async insert(row: ConnectionRow): Promise<void> {
    await this.db.query(INSERT, insertValues(row));
  }

  async insertWithinCap(row: ConnectionRow, cap: number): Promise<boolean> {
    // A first insert for a user would count 1 whatever the cap: below 1 nothing fits.
    if (cap < 1) return false;
    const rows = await this.db.query(INSERT_WITHIN_CAP, [...insertValues(row), cap], true);
    return rows.length === 1;
  }

  async end(id: string, reason: EndReason): Promise<boolean> {
    // "AND state = 'active'" makes ending a row once: a second ender sees no row changed,
    // and so counts nothing down. (A data-modifying WITH runs whether or not it is read.)
    const [row] = await this.db.query<{ n: number }>(
      `WITH ended AS (
         UPDATE connections SET state = $1, ended = $2 WHERE id = $3 AND state = 'active'
         RETURNING user_id
       ), counted AS (
         UPDATE active_connections a SET active = a.active - 1
         FROM ended WHERE a.user_id = ended.user_id
       )
       SELECT count(*)::int AS n FROM ended`,
      [reason, new Date().toISOString(), id],
      true,
    );
    return row?.n === 1;
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
      "SELECT active AS n FROM active_connections WHERE user_id = $1",
      [userId],
      true,
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
