// The two ways nodes could signal each other, measured the same way: the node protocol's
// request/reply (POST /cluster/v1/dial, answered "not-here" for a device no one holds) on
// a kept-alive connection, and a PostgreSQL NOTIFY answered by a NOTIFY from a listener.
import { Agent as HttpAgent, request } from "node:http";
import pg from "pg";

const timedMs = async (fn: () => Promise<unknown>): Promise<number> => {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
};

/** The cluster's secret, as the nodes read it from the shared store. */
export async function clusterSecret(storeUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: storeUrl });
  await client.connect();
  try {
    const rows = (await client.query<{ secret: string }>("SELECT secret FROM cluster")).rows;
    if (!rows[0]) throw new Error("the store has no cluster secret yet");
    return rows[0].secret;
  } finally {
    await client.end();
  }
}

/** Round trips of POST /cluster/v1/dial to the node at `apiUrl`, one after another, in ms. */
export async function nodeProtocolRoundTrips(
  apiUrl: string,
  secret: string,
  count: number,
): Promise<number[]> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const target = new URL("/cluster/v1/dial", apiUrl);
  const body = JSON.stringify({
    deviceId: "no-such-device",
    url: target.origin,
    token: "bench-token-0123456789",
  });
  const dial = () =>
    new Promise<string>((resolve, reject) => {
      const req = request(target, {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-reach-cluster-secret": secret,
        },
      });
      req.on("error", reject);
      req.on("response", (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () => resolve(text));
      });
      req.end(body);
    });
  const first = await dial();
  if (first !== '{"ok":false,"reason":"not-here"}') {
    agent.destroy();
    throw new Error(`the node answered the dial with ${first}`);
  }
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await timedMs(dial));
  agent.destroy();
  return samples;
}

/**
 * Round trips through LISTEN/NOTIFY: client A notifies "bench_ping", client B (listening)
 * notifies "bench_pong" back, A hears it. One after another, in ms.
 */
export async function notifyRoundTrips(storeUrl: string, count: number): Promise<number[]> {
  const a = new pg.Client({ connectionString: storeUrl });
  const b = new pg.Client({ connectionString: storeUrl });
  await Promise.all([a.connect(), b.connect()]);
  try {
    // B's answer may still be finishing when A has heard it: awaited before B ends.
    let answering: Promise<unknown> = Promise.resolve();
    b.on("notification", (message) => {
      answering = b.query("SELECT pg_notify('bench_pong', $1)", [message.payload ?? ""]);
    });
    await b.query("LISTEN bench_ping");
    await a.query("LISTEN bench_pong");
    let heard: ((payload: string) => void) | undefined;
    a.on("notification", (message) => heard?.(message.payload ?? ""));
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const payload = String(i);
      samples.push(
        await timedMs(async () => {
          const back = new Promise<void>((resolve) => {
            heard = (p) => {
              if (p === payload) resolve();
            };
          });
          await a.query("SELECT pg_notify('bench_ping', $1)", [payload]);
          await back;
        }),
      );
    }
    await answering;
    return samples;
  } finally {
    await Promise.all([a.end(), b.end()]);
  }
}

/** NOTIFYs per second sent from a pool of `poolSize` clients, `count` in all. */
export async function notifyRate(storeUrl: string, count: number, poolSize = 8): Promise<number> {
  const pool = new pg.Pool({ connectionString: storeUrl, max: poolSize });
  try {
    // Open every client before the clock starts: the rate is of NOTIFYs, not of logins.
    const clients = await Promise.all(Array.from({ length: poolSize }, () => pool.connect()));
    for (const client of clients) client.release();
    let next = 0;
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: poolSize }, async () => {
        while (next < count) {
          next++;
          await pool.query("SELECT pg_notify('bench_rate', $1)", [String(next)]);
        }
      }),
    );
    return count / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    await pool.end();
  }
}
