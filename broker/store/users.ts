// Users and their API keys.
import { randomUUID } from "node:crypto";
import { newAccessKeyId, newSecretAccessKey } from "./ids.js";
import type { Db } from "./open-database.js";

export interface User {
  id: string;
  email: string;
}

export interface NewUserKeys {
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export class UserStore {
  private readonly byKey;
  private readonly byId;

  constructor(private readonly db: Db) {
    this.byKey = db.prepare<[string], { userId: string; email: string; secret: string }>(
      `SELECT u.id AS userId, u.email, k.secret FROM access_keys k
       JOIN users u ON u.id = k.user_id WHERE k.id = ?`,
    );
    this.byId = db.prepare<[string], User>("SELECT id, email FROM users WHERE id = ?");
  }

  /** The user and secret behind an access key id, looked up afresh on every request. */
  findByAccessKey(accessKeyId: string): { user: User; secret: string } | undefined {
    const row = this.byKey.get(accessKeyId);
    return row ? { user: { id: row.userId, email: row.email }, secret: row.secret } : undefined;
  }

  findById(id: string): User | undefined {
    return this.byId.get(id);
  }

  /** Creates a user, or adds a fresh key to an existing one with that email. */
  createUserWithKey(email: string): NewUserKeys {
    const now = new Date().toISOString();
    return this.db.transaction(() => {
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
    })();
  }
}
