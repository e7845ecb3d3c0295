// The PostgreSQL store's one door to the database: a pg Pool, queries and transactions
// whose errors say what went wrong in the store's terms (storage-failure.ts).
import pg from "pg";
import { guardQuery } from "./storage-failure.js";

export type Queryable = Pick<pg.PoolClient, "query">;

export class PgDatabase {
  private readonly pool: pg.Pool;
  private closing: Promise<void> | undefined;
  /** Names of the hot statements, by their text. */
  private readonly statementNames = new Map<string, string>();

  constructor(
    url: string,
    /** user@host:port/db, never the password: for error messages. */
    readonly where: string,
  ) {
    // A bounded wait for a connection: a database behind a dead route would otherwise
    // hold every caller (and a starting broker) without a word.
    this.pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
    // An idle client whose server went away emits "error"; unhandled, that would end the
    // process. The next query gets a fresh client and its own, clear, error.
    this.pool.on("error", () => {});
  }

  /**
   * Runs one statement. A `hot` one (the same text on every connect or request) is a
   * named prepared statement, parsed and planned once per pooled connection rather than
   * on each call.
   */
  async query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
    hot = false,
  ): Promise<R[]> {
    const name = hot ? this.statementName(text) : undefined;
    return guardQuery(
      this.where,
      async () => (await this.pool.query<R>({ text, values, ...(name ? { name } : {}) })).rows,
    );
  }

  private statementName(text: string): string {
    let name = this.statementNames.get(text);
    if (!name) {
      name = `reach_${this.statementNames.size + 1}`;
      this.statementNames.set(text, name);
    }
    return name;
  }

  /** Runs `work` in one transaction on one connection: all of it commits, or none. */
  async transaction<T>(
    work: (client: Queryable) => Promise<T>,
    mode = "BEGIN ISOLATION LEVEL READ COMMITTED",
  ): Promise<T> {
    return guardQuery(this.where, async () => {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query(mode);
        const result = await work(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        // A client that could not even roll back is not given to the next caller.
        client.release(broken);
      }
    });
  }

  /** Ends the pool; a second close (a shutdown after a failed start, say) is a no-op. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}
