// What brokers sharing this SQLite file keep for ACME: DNS-01 TXT values and the account
// key. Nodes on one file share one machine, hence one clock: this process's.
import type { AcmeStore } from "../store.js";
import type { Db } from "./open-database.js";
import { guardWrite } from "./storage-failure.js";

export class SqliteAcmeStore implements AcmeStore {
  private readonly valuesStatement;
  private readonly purgeStatement;
  private readonly addStatement;
  private readonly removeStatement;
  private readonly makeKey;
  private readonly readKey;

  constructor(private readonly db: Db) {
    this.valuesStatement = db.prepare<[string, number], { value: string }>(
      "SELECT value FROM acme_challenges WHERE name = ? AND expires_at > ? ORDER BY value",
    );
    this.purgeStatement = db.prepare<[number]>("DELETE FROM acme_challenges WHERE expires_at <= ?");
    this.addStatement = db.prepare<[string, string, number]>(
      `INSERT INTO acme_challenges (name, value, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name, value) DO UPDATE SET expires_at = excluded.expires_at`,
    );
    this.removeStatement = db.prepare<[string, string]>(
      "DELETE FROM acme_challenges WHERE name = ? AND value = ?",
    );
    this.makeKey = db.prepare<[string]>(
      "INSERT INTO acme_account (id, account_key) VALUES (1, ?) ON CONFLICT DO NOTHING",
    );
    this.readKey = db.prepare<[], { account_key: string }>(
      "SELECT account_key FROM acme_account WHERE id = 1",
    );
  }

  async challengeValues(name: string): Promise<string[]> {
    return this.valuesStatement.all(name, Date.now()).map((row) => row.value);
  }

  async addChallenge(name: string, value: string, ttlMs: number): Promise<void> {
    const now = Date.now();
    guardWrite(() =>
      this.db.transaction(() => {
        this.purgeStatement.run(now);
        this.addStatement.run(name, value, now + ttlMs);
      })(),
    );
  }

  async removeChallenge(name: string, value: string): Promise<void> {
    guardWrite(() => this.removeStatement.run(name, value));
  }

  async accountKey(candidate: string): Promise<string> {
    guardWrite(() => this.makeKey.run(candidate));
    return this.readKey.get()?.account_key as string;
  }
}
