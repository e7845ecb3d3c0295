// Proxy connections in SQLite: one row each, 'active' until it ends (then kept as history
// with the reason). Several stores may share the file (nodes of a cluster on one machine,
// `reach admin`): the capped insert takes the write lock before it counts.
import type { ConnectionRow, ConnectionStore, EndReason } from "../store.js";
import type { Db } from "./open-database.js";
import { guardWrite } from "./storage-failure.js";

interface RawRow extends Omit<ConnectionRow, "reverseProxy"> {
  reverseProxy: number;
}

type FoundRow = ConnectionRow & { state: string; lastActivity: number | null };

const COLUMNS = `id, user_id AS userId, service_id AS serviceId, created, expires_at AS expiresAt,
  timeout, reverse_proxy AS reverseProxy, host, port, url, host_ip AS hostIP, latched_ip AS latchedIp,
  node`;

function fromRaw(row: RawRow): ConnectionRow {
  return { ...row, reverseProxy: row.reverseProxy === 1 };
}

export class SqliteConnectionStore implements ConnectionStore {
  private readonly insertStatement;
  private readonly endStatement;
  private readonly latchStatement;
  private readonly touchStatement;
  private readonly activeOfUser;
  private readonly countActiveOfUser;
  private readonly byId;
  private readonly activeByHost;
  private readonly activeOfNode;
  private readonly insertWithinCapNow;

  constructor(private readonly db: Db) {
    this.insertStatement = db.prepare(
      `INSERT INTO connections (id, user_id, service_id, created, expires_at, timeout,
        reverse_proxy, host, port, url, host_ip, latched_ip, node, state)
       VALUES (@id, @userId, @serviceId, @created, @expiresAt, @timeout,
        @reverseProxy, @host, @port, @url, @hostIP, @latchedIp, @node, 'active')`,
    );
    this.endStatement = db.prepare(
      "UPDATE connections SET state = ?, ended = ? WHERE id = ? AND state = 'active'",
    );
    // First wins: a latch already recorded stays, and the caller learns which one holds.
    this.latchStatement = db.prepare<[string, string], { latchedIp: string }>(
      `UPDATE connections SET latched_ip = coalesce(latched_ip, ?) WHERE id = ?
       RETURNING latched_ip AS latchedIp`,
    );
    // The larger time stays: nodes report their traffic in whatever order it arrives.
    this.touchStatement = db.prepare<[number, number, string]>(
      "UPDATE connections SET last_activity = max(coalesce(last_activity, ?), ?) WHERE id = ?",
    );
    this.activeOfUser = db.prepare<[string], RawRow>(
      `SELECT ${COLUMNS} FROM connections WHERE user_id = ? AND state = 'active' ORDER BY created`,
    );
    this.countActiveOfUser = db.prepare<[string], { n: number }>(
      "SELECT count(*) AS n FROM connections WHERE user_id = ? AND state = 'active'",
    );
    this.byId = db.prepare<[string], RawRow & { state: string; lastActivity: number | null }>(
      `SELECT ${COLUMNS}, state, last_activity AS lastActivity FROM connections WHERE id = ?`,
    );
    this.activeByHost = db.prepare<[string], RawRow>(
      `SELECT ${COLUMNS} FROM connections
       WHERE host = ? AND state = 'active' AND reverse_proxy = 1`,
    );
    this.activeOfNode = db.prepare<[number], RawRow>(
      `SELECT ${COLUMNS} FROM connections WHERE node = ? AND state = 'active' ORDER BY created`,
    );
    // IMMEDIATE: the write lock is taken before counting, so another store on the same
    // file cannot insert between the count and the insert.
    this.insertWithinCapNow = db.transaction((row: ConnectionRow, cap: number): boolean => {
      if ((this.countActiveOfUser.get(row.userId)?.n ?? 0) >= cap) return false;
      this.insertStatement.run(toRaw(row));
      return true;
    }).immediate;
  }

  async insert(row: ConnectionRow): Promise<void> {
    guardWrite(() => this.insertStatement.run(toRaw(row)));
  }

  async insertWithinCap(row: ConnectionRow, cap: number): Promise<boolean> {
    return guardWrite(() => this.insertWithinCapNow(row, cap));
  }

  async end(id: string, reason: EndReason): Promise<boolean> {
    const ended = new Date().toISOString();
    return guardWrite(() => this.endStatement.run(reason, ended, id).changes === 1);
  }

  async recordLatch(id: string, address: string): Promise<string> {
    // A row already gone latches nothing: the caller's address is the answer it acts on.
    return guardWrite(() => this.latchStatement.get(address, id)?.latchedIp ?? address);
  }

  async touch(id: string, at: number): Promise<void> {
    guardWrite(() => this.touchStatement.run(at, at, id));
  }

  async find(id: string): Promise<FoundRow | undefined> {
    const row = this.byId.get(id);
    return row ? { ...fromRaw(row), state: row.state, lastActivity: row.lastActivity } : undefined;
  }

  async findActiveByHost(host: string): Promise<ConnectionRow | undefined> {
    const row = this.activeByHost.get(host);
    return row ? fromRaw(row) : undefined;
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

  async listActiveOfNode(node: number): Promise<ConnectionRow[]> {
    return this.activeOfNode.all(node).map(fromRaw);
  }

  async endedAmong(ids: readonly string[]): Promise<string[]> {
    const active = new Set(
      this.db
        .prepare<[string], { id: string }>(
          `SELECT id FROM connections
           WHERE id IN (SELECT value FROM json_each(?)) AND state = 'active'`,
        )
        .all(JSON.stringify(ids))
        .map((r) => r.id),
    );
    return ids.filter((id) => !active.has(id));
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

function toRaw(row: ConnectionRow): RawRow {
  return { ...row, reverseProxy: row.reverseProxy ? 1 : 0 };
}
