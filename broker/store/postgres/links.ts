// Persistent public links in PostgreSQL: one row per service; allow and deny lists as
// text arrays (pg hands them back as JS arrays).
import type { LinkRow, LinkStore } from "../store.js";
import type { PgDatabase } from "./database.js";

const COLUMNS = `service_id AS "serviceId", user_id AS "userId", host, code, enabled,
  password_hash AS "passwordHash", allow, deny, created`;

export class PgLinkStore implements LinkStore {
  constructor(private readonly db: PgDatabase) {}

  async save(row: LinkRow): Promise<void> {
    // host, code and created belong to the link's first save: an update keeps them.
    await this.db.query(
      `INSERT INTO links (service_id, user_id, host, code, enabled, password_hash, allow, deny, created)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (service_id) DO UPDATE SET enabled = excluded.enabled,
         password_hash = excluded.password_hash, allow = excluded.allow, deny = excluded.deny`,
      [
        row.serviceId,
        row.userId,
        row.host,
        row.code,
        row.enabled,
        row.passwordHash,
        row.allow,
        row.deny,
        row.created,
      ],
    );
  }

  async find(serviceId: string): Promise<LinkRow | undefined> {
    const [row] = await this.db.query<LinkRow>(
      `SELECT ${COLUMNS} FROM links WHERE service_id = $1`,
      [serviceId],
    );
    return row;
  }

  async listOfUser(userId: string): Promise<LinkRow[]> {
    return this.db.query<LinkRow>(
      `SELECT ${COLUMNS} FROM links WHERE user_id = $1 ORDER BY created COLLATE "C"`,
      [userId],
    );
  }

  async listAll(): Promise<LinkRow[]> {
    return this.db.query<LinkRow>(`SELECT ${COLUMNS} FROM links`);
  }

  async remove(serviceId: string): Promise<boolean> {
    const rows = await this.db.query("DELETE FROM links WHERE service_id = $1 RETURNING 1", [
      serviceId,
    ]);
    return rows.length === 1;
  }
}
