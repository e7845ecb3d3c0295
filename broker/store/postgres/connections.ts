// Proxy connections in PostgreSQL: one row each, 'active' until it ends (then kept as
// history with the reason). The partial unique indexes keep one active row per port and
// per reverse-proxy host, across every node that writes here.
import type { ConnectionRow, ConnectionStore, EndReason } from "../store.js";
import type { PgDatabase } from "./database.js";

const COLUMNS = `id, user_id AS "userId", service_id AS "serviceId", created,
  expires_at AS "expiresAt", timeout, reverse_proxy AS "reverseProxy", host, port, url,
  host_ip AS "hostIP", latched_ip AS "latchedIp"`;

export class PgConnectionStore implements ConnectionStore {
  constructor(private readonly db: PgDatabase) {}

  async insert(row: ConnectionRow): Promise<void> {
    await this.db.query(
      `INSERT INTO connections (id, user_id, service_id, created, expires_at, timeout,
        reverse_proxy, host, port, url, host_ip, latched_ip, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'active')`,
      [
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
      ],
    );
  }

  async end(id: string, reason: EndReason): Promise<boolean> {
    // "AND state = 'active'" makes ending a row once: a second ender sees no row changed.
    const rows = await this.db.query(
      "UPDATE connections SET state = $1, ended = $2 WHERE id = $3 AND state = 'active' RETURNING id",
      [reason, new Date().toISOString(), id],
    );
    return rows.length === 1;
  }

  async recordLatch(id: string, address: string): Promise<void> {
    await this.db.query("UPDATE connections SET latched_ip = $1 WHERE id = $2", [address, id]);
  }

  async find(id: string): Promise<(ConnectionRow & { state: string }) | undefined> {
    const [row] = await this.db.query<ConnectionRow & { state: string }>(
      `SELECT ${COLUMNS}, state FROM connections WHERE id = $1`,
      [id],
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

  async activeIdsOfService(serviceId: string): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      "SELECT id FROM connections WHERE service_id = $1 AND state = 'active'",
      [serviceId],
    );
    return rows.map((r) => r.id);
  }
}
