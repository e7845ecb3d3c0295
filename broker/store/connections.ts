// Proxy connections. Only 'active' rows have a live listener or host; the others are kept
// as history with the reason they ended.
import type { Db } from "./open-database.js";

export type EndReason = "disconnected" | "expired" | "idle" | "removed";

export interface ConnectionRow {
  id: string;
  userId: string;
  serviceId: string;
  created: string;
  expiresAt: number;
  timeout: number;
  reverseProxy: boolean;
  host: string;
  port: number | null;
  url: string;
  hostIp: string;
  latchedIp: string | null;
}

interface RawRow extends Omit<ConnectionRow, "reverseProxy"> {
  reverseProxy: number;
}

const COLUMNS = `id, user_id AS userId, service_id AS serviceId, created, expires_at AS expiresAt,
  timeout, reverse_proxy AS reverseProxy, host, port, url, host_ip AS hostIp, latched_ip AS latchedIp`;

function fromRaw(row: RawRow): ConnectionRow {
  return { ...row, reverseProxy: row.reverseProxy === 1 };
}

export class ConnectionStore {
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
        @reverseProxy, @host, @port, @url, @hostIp, @latchedIp, 'active')`,
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

  insert(row: ConnectionRow): void {
    this.insertStatement.run({ ...row, reverseProxy: row.reverseProxy ? 1 : 0 });
  }

  /** Marks an active connection ended; false when it was not active. */
  end(id: string, reason: EndReason): boolean {
    return this.endStatement.run(reason, new Date().toISOString(), id).changes === 1;
  }

  endMany(ids: string[], reason: EndReason): void {
    const ended = new Date().toISOString();
    this.db.transaction(() => {
      for (const id of ids) this.endStatement.run(reason, ended, id);
    })();
  }

  recordLatch(id: string, address: string): void {
    this.latchStatement.run(address, id);
  }

  find(id: string): (ConnectionRow & { state: string }) | undefined {
    const row = this.byId.get(id);
    return row ? { ...fromRaw(row), state: row.state } : undefined;
  }

  listActiveOfUser(userId: string): ConnectionRow[] {
    return this.activeOfUser.all(userId).map(fromRaw);
  }

  countActive(userId: string): number {
    return this.countActiveOfUser.get(userId)?.n ?? 0;
  }

  listAllActive(): ConnectionRow[] {
    return this.db
      .prepare<[], RawRow>(`SELECT ${COLUMNS} FROM connections WHERE state = 'active'`)
      .all()
      .map(fromRaw);
  }

  activeIdsOfService(serviceId: string): string[] {
    return this.db
      .prepare<[string], { id: string }>(
        "SELECT id FROM connections WHERE service_id = ? AND state = 'active'",
      )
      .all(serviceId)
      .map((r) => r.id);
  }
}
