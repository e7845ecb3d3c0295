// Persistent public links in SQLite: one row per service; allow and deny lists as JSON.
import type { LinkRow, LinkStore } from "../store.js";
import type { Db } from "./open-database.js";
import { guardWrite } from "./storage-failure.js";

interface RawRow extends Omit<LinkRow, "enabled" | "allow" | "deny"> {
  enabled: number;
  allow: string;
  deny: string;
}

const COLUMNS = `service_id AS serviceId, user_id AS userId, host, code, enabled,
  password_hash AS passwordHash, allow, deny, created`;

function fromRaw(row: RawRow): LinkRow {
  return {
    ...row,
    enabled: row.enabled === 1,
    allow: JSON.parse(row.allow) as string[],
    deny: JSON.parse(row.deny) as string[],
  };
}

export class SqliteLinkStore implements LinkStore {
  private readonly saveStatement;
  private readonly byService;

  constructor(private readonly db: Db) {
    // host, code and created belong to the link's first save: an update keeps them.
    this.saveStatement = db.prepare(
      `INSERT INTO links (service_id, user_id, host, code, enabled, password_hash, allow, deny, created)
       VALUES (@serviceId, @userId, @host, @code, @enabled, @passwordHash, @allow, @deny, @created)
       ON CONFLICT (service_id) DO UPDATE SET enabled = excluded.enabled,
         password_hash = excluded.password_hash, allow = excluded.allow, deny = excluded.deny`,
    );
    this.byService = db.prepare<[string], RawRow>(
      `SELECT ${COLUMNS} FROM links WHERE service_id = ?`,
    );
  }

  async save(row: LinkRow): Promise<void> {
    guardWrite(() =>
      this.saveStatement.run({
        ...row,
        enabled: row.enabled ? 1 : 0,
        allow: JSON.stringify(row.allow),
        deny: JSON.stringify(row.deny),
      }),
    );
  }

  async find(serviceId: string): Promise<LinkRow | undefined> {
    const row = this.byService.get(serviceId);
    return row ? fromRaw(row) : undefined;
  }

  async listOfUser(userId: string): Promise<LinkRow[]> {
    return this.db
      .prepare<[string], RawRow>(`SELECT ${COLUMNS} FROM links WHERE user_id = ? ORDER BY created`)
      .all(userId)
      .map(fromRaw);
  }

  async listAll(): Promise<LinkRow[]> {
    return this.db.prepare<[], RawRow>(`SELECT ${COLUMNS} FROM links`).all().map(fromRaw);
  }

  async remove(serviceId: string): Promise<boolean> {
    return guardWrite(
      () => this.db.prepare("DELETE FROM links WHERE service_id = ?").run(serviceId).changes === 1,
    );
  }
}
