// What a cluster's nodes share for ACME in PostgreSQL: DNS-01 TXT values and the account
// key. Expiry is by the database's clock, so nodes whose clocks differ agree on it.
import type { AcmeStore } from "../store.js";
import type { PgDatabase } from "./database.js";

export class PgAcmeStore implements AcmeStore {
  constructor(private readonly db: PgDatabase) {}

  async challengeValues(name: string): Promise<string[]> {
    const rows = await this.db.query<{ value: string }>(
      "SELECT value FROM acme_challenges WHERE name = $1 AND expires_at > now() ORDER BY value",
      [name],
    );
    return rows.map((row) => row.value);
  }

  async addChallenge(name: string, value: string, ttlMs: number): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query("DELETE FROM acme_challenges WHERE expires_at <= now()");
      await client.query(
        `INSERT INTO acme_challenges (name, value, expires_at)
         VALUES ($1, $2, now() + $3::double precision * interval '1 millisecond')
         ON CONFLICT (name, value) DO UPDATE SET expires_at = excluded.expires_at`,
        [name, value, ttlMs],
      );
    });
  }

  async removeChallenge(name: string, value: string): Promise<void> {
    await this.db.query("DELETE FROM acme_challenges WHERE name = $1 AND value = $2", [
      name,
      value,
    ]);
  }

  async accountKey(candidate: string): Promise<string> {
    // As clusterSecret: a racing insert waits for the first to commit, then does nothing.
    await this.db.query(
      "INSERT INTO acme_account (id, account_key) VALUES (1, $1) ON CONFLICT DO NOTHING",
      [candidate],
    );
    const [row] = await this.db.query<{ account_key: string }>(
      "SELECT account_key FROM acme_account WHERE id = 1",
    );
    return row?.account_key as string;
  }
}
