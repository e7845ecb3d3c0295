// Users and their API keys, in PostgreSQL.
import { randomUUID } from "node:crypto";
import { newAccessKeyId, newSecretAccessKey } from "../ids.js";
import type { NewUserKeys, User, UserStore } from "../store.js";
import type { PgDatabase } from "./database.js";

export class PgUserStore implements UserStore {
  constructor(private readonly db: PgDatabase) {}

  async findByAccessKey(accessKeyId: string): Promise<{ user: User; secret: string } | undefined> {
    const [row] = await this.db.query<{ userId: string; email: string; secret: string }>(
      `SELECT u.id AS "userId", u.email, k.secret FROM access_keys k
       JOIN users u ON u.id = k.user_id WHERE k.id = $1`,
      [accessKeyId],
      true,
    );
    return row ? { user: { id: row.userId, email: row.email }, secret: row.secret } : undefined;
  }

  async createUserWithKey(email: string): Promise<NewUserKeys> {
    const now = new Date().toISOString();
    return this.db.transaction(async (client) => {
      // Insert-or-keep in one statement, so that two nodes creating the same email at once
      // end with one user (the no-op update makes RETURNING give the existing row).
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO users (id, email, created) VALUES ($1, $2, $3)
         ON CONFLICT (lower(email)) DO UPDATE SET email = users.email RETURNING id`,
        [randomUUID(), email, now],
      );
      const userId = rows[0]?.id as string;
      const accessKeyId = newAccessKeyId();
      const secretAccessKey = newSecretAccessKey();
      await client.query(
        "INSERT INTO access_keys (id, user_id, secret, created) VALUES ($1, $2, $3, $4)",
        [accessKeyId, userId, secretAccessKey, now],
      );
      return { userId, accessKeyId, secretAccessKey };
    });
  }
}
