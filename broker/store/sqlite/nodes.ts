// The broker nodes sharing this SQLite store, kept fresh by their heartbeats, and the
// cluster's secret. Nodes on one file share one machine, hence one clock: this process's.
import { randomBytes } from "node:crypto";
import type { NodeAddress, NodeRow, NodeStore, NodeSummary } from "../store.js";
import type { Db } from "./open-database.js";
import { guardWrite } from "./storage-failure.js";

/** As SQLite gives it: public_ips is a JSON array. */
type RawRow = Omit<NodeRow, "live" | "publicIps"> & { publicIps: string };
type RawSummary = Omit<NodeSummary, "live" | "publicIps"> & { publicIps: string };

export class SqliteNodeStore implements NodeStore {
  private readonly heartbeatStatement;
  private readonly listStatement;
  private readonly summariesStatement;
  private readonly makeSecret;
  private readonly readSecret;

  constructor(db: Db) {
    // A node heard from for the first time has started then, whatever `starting` says.
    this.heartbeatStatement = db.prepare(
      `INSERT INTO nodes (node, url, public_host, public_ips, started, heartbeat)
       VALUES (@node, @url, @publicHost, @publicIps, @now, @now)
       ON CONFLICT (node) DO UPDATE SET url = excluded.url, public_host = excluded.public_host,
         public_ips = excluded.public_ips,
         heartbeat = excluded.heartbeat,
         started = CASE WHEN @starting THEN excluded.started ELSE nodes.started END`,
    );
    this.listStatement = db.prepare<[], RawRow>(
      `SELECT n.node, n.url, n.public_host AS publicHost, n.public_ips AS publicIps, n.started, n.heartbeat
       FROM nodes n ORDER BY n.node`,
    );
    this.summariesStatement = db.prepare<[], RawSummary>(
      `SELECT n.node, n.url, n.public_host AS publicHost, n.public_ips AS publicIps, n.started, n.heartbeat,
         (SELECT count(*) FROM devices d WHERE d.attached_node = n.node) AS devices,
         (SELECT count(*) FROM connections c WHERE c.node = n.node AND c.state = 'active')
           AS connections
       FROM nodes n ORDER BY n.node`,
    );
    this.makeSecret = db.prepare<[string]>(
      "INSERT INTO cluster (id, secret) VALUES (1, ?) ON CONFLICT DO NOTHING",
    );
    this.readSecret = db.prepare<[], { secret: string }>("SELECT secret FROM cluster WHERE id = 1");
  }

  async heartbeat(address: NodeAddress, starting: boolean): Promise<void> {
    const now = new Date().toISOString();
    guardWrite(() =>
      this.heartbeatStatement.run({
        node: address.node,
        url: address.url,
        publicHost: address.publicHost,
        publicIps: JSON.stringify(address.publicIps),
        now,
        starting: starting ? 1 : 0,
      }),
    );
  }

  async list(liveWithinMs: number): Promise<NodeRow[]> {
    return withLiveness(this.listStatement.all(), liveWithinMs);
  }

  async summaries(liveWithinMs: number): Promise<NodeSummary[]> {
    return withLiveness(this.summariesStatement.all(), liveWithinMs);
  }

  async clusterSecret(): Promise<string> {
    // Made by whichever store asks first; the others' inserts do nothing and read it.
    guardWrite(() => this.makeSecret.run(randomBytes(32).toString("base64url")));
    return this.readSecret.get()?.secret as string;
  }
}

function withLiveness<R extends RawRow>(
  rows: R[],
  liveWithinMs: number,
): (Omit<R, "publicIps"> & { publicIps: string[]; live: boolean })[] {
  const now = Date.now();
  return rows.map((row) => ({
    ...row,
    publicIps: JSON.parse(row.publicIps) as string[],
    live: now - Date.parse(row.heartbeat) <= liveWithinMs,
  }));
}
