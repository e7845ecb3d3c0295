// The broker nodes sharing this PostgreSQL store, kept fresh by their heartbeats, and the
// cluster's secret. Times are the database's now(), never a node's clock, so nodes whose
// clocks differ still agree on who is live; they are shown as ISO strings in UTC, as the
// store's other times are.
import { randomBytes } from "node:crypto";
import type { NodeAddress, NodeRow, NodeStore, NodeSummary } from "../store.js";
import type { PgDatabase } from "./database.js";

const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A node's row; $1 is the liveness window in milliseconds. */
const NODE_COLUMNS = `n.node, n.url, n.public_host AS "publicHost",
  n.public_ips AS "publicIps", ${iso("n.started")} AS started,
  ${iso("n.heartbeat")} AS heartbeat,
  n.heartbeat >= now() - $1::double precision * interval '1 millisecond' AS live`;

export class PgNodeStore implements NodeStore {
  constructor(private readonly db: PgDatabase) {}

  async heartbeat(address: NodeAddress, starting: boolean): Promise<void> {
    // A node heard from for the first time has started then, whatever `starting` says.
    await this.db.query(
      `INSERT INTO nodes (node, url, public_host, public_ips, started, heartbeat)
       VALUES ($1, $2, $3, $5::text[], now(), now())
       ON CONFLICT (node) DO UPDATE SET url = excluded.url, public_host = excluded.public_host,
         public_ips = excluded.public_ips, heartbeat = excluded.heartbeat,
         started = CASE WHEN $4::boolean THEN excluded.started ELSE nodes.started END`,
      [address.node, address.url, address.publicHost, starting, address.publicIps],
    );
  }

  async list(liveWithinMs: number): Promise<NodeRow[]> {
    return this.db.query<NodeRow>(`SELECT ${NODE_COLUMNS} FROM nodes n ORDER BY n.node`, [
      liveWithinMs,
    ]);
  }

  async summaries(liveWithinMs: number): Promise<NodeSummary[]> {
    return this.db.query<NodeSummary>(
      `SELECT ${NODE_COLUMNS},
         (SELECT count(*)::int FROM devices d WHERE d.attached_node = n.node) AS devices,
         (SELECT count(*)::int FROM connections c WHERE c.node = n.node AND c.state = 'active')
           AS connections
       FROM nodes n ORDER BY n.node`,
      [liveWithinMs],
    );
  }

  async clusterSecret(): Promise<string> {
    // Made by whichever node asks first: a racing insert waits for the first to commit,
    // then does nothing, and every node reads the one secret that stands.
    await this.db.query("INSERT INTO cluster (id, secret) VALUES (1, $1) ON CONFLICT DO NOTHING", [
      randomBytes(32).toString("base64url"),
    ]);
    const [row] = await this.db.query<{ secret: string }>(
      "SELECT secret FROM cluster WHERE id = 1",
    );
    return row?.secret as string;
  }
}
