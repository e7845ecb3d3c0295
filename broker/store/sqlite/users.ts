// Users and their API keys, in SQLite.
import { randomUUID } from "node:crypto";
import { newAccessKeyId, newSecretAccessKey } from "../ids.js";
import type { NewUserKeys, User, UserStore } from "../store.js";
import type { Db } from "./open-database.js";
import { guardWrite } from "./storage-failure.js";

export class SqliteUserStore implements UserStore {
  private readonly byKey;

  constructor(private readonly db: Db) {
    this.byKey = db.prepare<[string], { userId: string; email: string; secret: string }>(
      `SELECT u.id AS userId, u.email, k.secret FROM access_keys k
       JOIN users u ON u.id = k.user_id WHERE k.id = ?`,
    );
  }

  async findByAccessKey(accessKeyId: string): Promise<{ user: User; secret: string } | undefined> {
    const row = this.byKey.get(accessKeyId);
    return row ? { user: { id: row.userId, email: row.email }, secret: row.secret } : undefined;
  }

  async createUserWithKey(email: string): Promise<NewUserKeys> {
    const now = new Date().toISOString();
    return guardWrite(() =>
      this.db.transaction(() => {
        const existing = this.db
          .prepare<[string], { id: string }>("SELECT id FROM users WHERE email = ?")
          .get(email);
        const userId = existing?.id ?? randomUUID();
        if (!existing) {
          this.db
            .prepare("INSERT INTO users (id, email, created) VALUES (?, ?, ?)")
            .run(userId, email, now);
        }
        const accessKeyId = newAccessKeyId();
        const secretAccessKey = newSecretAccessKey();
        this.db
          .prepare("INSERT INTO access_keys (id, user_id, secret, created) VALUES (?, ?, ?, ?)")
          .run(accessKeyId, userId, secretAccessKey, now);
        return { userId, accessKeyId, secretAccessKey };
      })(),
    );
  }
}
