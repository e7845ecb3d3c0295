// A real PostgreSQL server for tests: Debian's package (installed by .ci/run), started in a
// temp dir on loopback, one per test file. Debian's binaries live under
// /usr/lib/postgresql/<version>/bin and are not on PATH; we never take one from
// /usr/local/bin, so a test cannot pick up a stray build.
import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { freePort, tempDir } from "./stack.js";

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  /** A fresh, empty database on this server; its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (a fast shutdown: sessions end), waits `downMs`, starts it again. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function postgresBin(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (!newest) {
    throw new Error(
      `No PostgreSQL server under ${root}/*/bin: install Debian's postgresql package (.ci/run does).`,
    );
  }
  return join(root, newest, "bin");
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` system user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"]).toString().trim());
  return { uid: id("-u"), gid: id("-g") };
}

async function waitUntilAccepting(url: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) {
        throw new Error(`PostgreSQL did not accept connections within 20 s: ${output()}`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBin();
  const user = runAs();
  const dir = await tempDir("reach-pg-");
  const data = join(dir, "data");
  if (user) chownSync(dir, user.uid, user.gid);
  execFileSync(
    join(bin, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "--locale=C", "-E", "UTF8", "--no-sync"],
    { ...user, stdio: "pipe" },
  );
  const port = await freePort();
  let server = await launch(bin, data, dir, port, user);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let databases = 0;
  return {
    url,
    stop: () => server.stop(),
    async restart(downMs = 0) {
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await launch(bin, data, dir, port, user);
    },
    async createDatabase() {
      const name = `reach_test_${++databases}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
  };
}

/** Starts the server on `data` and waits until it accepts connections. */
async function launch(
  bin: string,
  data: string,
  socketDir: string,
  port: number,
  user: { uid: number; gid: number } | undefined,
): Promise<{ stop(): Promise<void> }> {
  // fsync off: a test server's data is thrown away, and this machine's disk is slow.
  const server = spawn(
    join(bin, "postgres"),
    ["-D", data, "-k", socketDir, "-h", "127.0.0.1", "-p", String(port), "-c", "fsync=off"],
    { ...user, stdio: ["ignore", "ignore", "pipe"] },
  );
  let output = "";
  server.stderr.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      // SIGINT is PostgreSQL's "fast shutdown": ends sessions, then exits cleanly.
      server.kill("SIGINT");
      await exited;
    }
  };
  try {
    await waitUntilAccepting(`postgres://postgres@127.0.0.1:${port}/postgres`, () => output);
  } catch (error) {
    server.kill("SIGKILL");
    throw error;
  }
  return { stop };
}
