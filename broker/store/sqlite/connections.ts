// Proxy connections in SQLite: one row each, 'active' until it ends (then kept as history
// with the reason).
import type { ConnectionRow, ConnectionStore, EndReason } from "../store.js";
import type { Db } from "./open-database.js";
import { guardWrite } from "./storage-failure.js";

interface RawRow extends Omit<ConnectionRow, "reverseProxy"> {
  reverseProxy: number;
}

const COLUMNS = `id, user_id AS userId, service_id AS serviceId, created, expires_at AS expiresAt,
  timeout, reverse_proxy AS reverseProxy, host, port, url, host_ip AS hostIP, latched_ip AS latchedIp`;

function fromRaw(row: RawRow): ConnectionRow {
  return { ...row, reverseProxy: row.reverseProxy === 1 };
}

export class SqliteConnectionStore implements ConnectionStore {
  private readonly insertStatement;
  private readonly endStatement;
  private readonly latchStatement;
  private readonly activeOfUser;
  private readonly countActiveOfUser;
  private readonly byId;

  constructor(private readonly db: Db) {
    this.insertStatement = db.prepare(
      `INSERT INTO connections (id, user_id, service_id, created, expires_at, timeout,
        reverse_proxy, host, port, url, host_ip, latched_ip, state)
       VALUES (@id, @userId, @serviceId, @created, @expiresAt, @timeout,
        @reverseProxy, @host, @port, @url, @hostIP, @latchedIp, 'active')`,
    );
    this.endStatement = db.prepare(
      "UPDATE connections SET state = ?, ended = ? WHERE id = ? AND state = 'active'",
    );
    this.latchStatement = db.prepare("UPDATE connections SET latched_ip = ? WHERE id = ?");
    this.activeOfUser = db.prepare<[string], RawRow>(
      `SELECT ${COLUMNS} FROM connections WHERE user_id = ? AND state = 'active' ORDER BY created`,
    );
    this.countActiveOfUser = db.prepare<[string], { n: number }>(
      "SELECT count(*) AS n FROM connections WHERE user_id = ? AND state = 'active'",
    );
    this.byId = db.prepare<[string], RawRow & { state: string }>(
      `SELECT ${COLUMNS}, state FROM connections WHERE id = ?`,
    );
  }

  async insert(row: ConnectionRow): Promise<void> {
    guardWrite(() => this.insertStatement.run({ ...row, reverseProxy: row.reverseProxy ? 1 : 0 }));
  }

  async end(id: string, reason: EndReason): Promise<boolean> {
    const ended = new Date().toISOString();
    return guardWrite(() => this.endStatement.run(reason, ended, id).changes === 1);
  }

  async recordLatch(id: string, address: string): Promise<void> {
    guardWrite(() => this.latchStatement.run(address, id));
  }

  async find(id: string): Promise<(ConnectionRow & { state: string }) | undefined> {
    const row = this.byId.get(id);
    return row ? { ...fromRaw(row), state: row.state } : undefined;
  }

  async listActiveOfUser(userId: string): Promise<ConnectionRow[]> {
    return this.activeOfUser.all(userId).map(fromRaw);
  }

  async countActive(userId: string): Promise<number> {
    return this.countActiveOfUser.get(userId)?.n ?? 0;
  }

  async listAllActive(): Promise<ConnectionRow[]> {
    return this.db
      .prepare<[], RawRow>(`SELECT ${COLUMNS} FROM connections WHERE state = 'active'`)
      .all()
      .map(fromRaw);
  }

  async activeIdsOfService(serviceId: string): Promise<string[]> {
    return this.db
      .prepare<[string], { id: string }>(
        "SELECT id FROM connections WHERE service_id = ? AND state = 'active'",
      )
      .all(serviceId)
      .map((r) => r.id);
  }
}
