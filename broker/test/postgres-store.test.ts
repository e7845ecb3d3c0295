// The PostgreSQL store beyond the shared contract (store.test.ts): nodes that start
// together migrate once, `reach broker --store postgres://…` serves a real agent end to
// end, a lost database is named in the error, and --store is parsed with clear errors.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { GraphQLError } from "graphql";
import { graphqlRequest } from "../../common/graphql/request.js";
import type { R3Credentials } from "../../common/r3-signature.js";
import { startTestPostgres, type TestPostgres } from "../../test-support/postgres.js";
import { runReach } from "../../test-support/processes.js";
import { startAgentProcess, startBrokerProcess } from "../../test-support/reach-processes.js";
import { CONNECT, eventually, freePort, tempDir } from "../../test-support/stack.js";
import { startTcpEcho } from "../../test-support/targets.js";
import { echoThrough, randomPayload, sha256 } from "../../test-support/visitors.js";
import { parseStoreLocation, resolveConfig } from "../config.js";
import { MIGRATIONS } from "../store/postgres/migrations.js";
import { openPostgresStore } from "../store/postgres/open-store.js";
import { guardQuery } from "../store/postgres/storage-failure.js";
import { DATABASE_FILE } from "../store/sqlite/open-database.js";
import { storageError } from "../store/storage-error.js";
import { StorageFailure } from "../store/store.js";

describe("PostgreSQL store", () => {
  let server: TestPostgres;
  before(async () => {
    server = await startTestPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  it("several nodes opening the same empty database at once migrate it once", async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore(url)));
    try {
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query("SELECT version FROM reach_migrations ORDER BY version");
      await client.end();
      assert.deepEqual(
        rows.map((r) => r.version),
        MIGRATIONS.map((_, i) => i + 1),
      );
      // One database behind them all: a key made through one node is found by another.
      const keys = await stores[0]?.users.createUserWithKey("nodes@example.com");
      const found = await stores[3]?.users.findByAccessKey(keys?.accessKeyId ?? "");
      assert.equal(found?.user.id, keys?.userId);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it("`reach broker --store postgres://…` serves a real agent end to end, with a user made by `reach admin`, and brings its port proxy back after a restart", async () => {
    const url = await server.createDatabase();
    const dataDir = await tempDir();
    const echo = await startTcpEcho();
    const brokerOptions = {
      port: await freePort(),
      dataDir,
      args: ["--store", url, "--proxy-ports", "41000-41099"],
    };
    let broker = await startBrokerProcess(brokerOptions);
    let agent: Awaited<ReturnType<typeof startAgentProcess>> | undefined;
    try {
      // Made while the broker runs, straight into its database, as an operator would.
      const made = await runReach([
        "admin",
        "create-user",
        "pg@example.com",
        "--store",
        url,
        "--json",
      ]);
      assert.equal(made.code, 0, made.stderr);
      const credentials = JSON.parse(made.stdout) as R3Credentials;
      agent = await startAgentProcess({
        apiUrl: broker.apiUrl,
        credentials,
        dataDir: await tempDir("reach-agent-"),
        services: [`echo=tcp:${echo.port}`],
      });
      const serviceId = agent.serviceIds.get("echo");
      const reply = await graphqlRequest<{ connect: { port: number } }>(
        broker.apiUrl,
        credentials,
        CONNECT,
        { serviceId, hostIP: "0.0.0.0" },
      );
      const port = reply.data?.connect.port;
      assert.ok(port, JSON.stringify(reply.errors));
      const payload = randomPayload(2 * 1024 * 1024);
      const back = await echoThrough(port, "127.0.0.2", payload);
      assert.equal(sha256(back), sha256(payload));
      assert.equal(existsSync(join(dataDir, DATABASE_FILE)), false, "no SQLite store was made");
      // A new process on the same database restores the connection on its port; once the
      // agent has reconnected (its backoff), bytes flow through it again.
      await broker.stop();
      broker = await startBrokerProcess(brokerOptions);
      const small = randomPayload(1024);
      await eventually(async () => {
        const echoed = await echoThrough(port, "127.0.0.3", small).catch(() => Buffer.alloc(0));
        return echoed.equals(small);
      }, 15_000);
      assert.equal(sha256(await echoThrough(port, "127.0.0.3", payload)), sha256(payload));
    } finally {
      await agent?.stop();
      await broker.stop();
      echo.close();
    }
  });

  it("a database at schema 1 (before the cluster) serves its connections as node 1, with no device attached", async () => {
    const url = await server.createDatabase();
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(
        "CREATE TABLE reach_migrations (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)",
      );
      await client.query(MIGRATIONS[0] as string);
      await client.query(`
        INSERT INTO reach_migrations VALUES (1, '2025-01-01T00:00:00.000Z');
        INSERT INTO users (id, email, created) VALUES ('u1', 'old@example.com', '2025-01-01T00:00:00.000Z');
        INSERT INTO devices (id, user_id, hardware_id, name, created, last_reported)
          VALUES ('d1', 'u1', 'hardware-old', 'old', '2025-01-02T00:00:00.000Z', '2025-01-02T00:00:00.000Z');
        INSERT INTO connections (id, user_id, service_id, created, expires_at, timeout,
          reverse_proxy, host, port, url, host_ip, latched_ip, state)
          VALUES ('c1', 'u1', 's1', '2025-01-02T00:00:00.000Z', 1, 60, false, '127.0.0.1', 40999,
            'tcp://127.0.0.1:40999', '0.0.0.0', NULL, 'active');
      `);
    } finally {
      await client.end();
    }
    const store = await openPostgresStore(url);
    try {
      assert.equal((await store.devices.findDevice("d1"))?.node, null);
      const found = await store.connections.find("c1");
      assert.equal(found?.node, 1);
      assert.equal(found?.lastActivity, null);
      assert.deepEqual(
        (await store.connections.listActiveOfNode(1)).map((c) => c.id),
        ["c1"],
      );
      assert.deepEqual(await store.nodes.list(10_000), []);
    } finally {
      await store.close();
    }
  });

  it("a database that went away: calls reject naming the store, not with pg's bare words", async () => {
    const own = await startTestPostgres();
    const store = await openPostgresStore(await own.createDatabase());
    try {
      await own.stop();
      await assert.rejects(
        store.users.findByAccessKey("ANYKEY"),
        /^StoreUnreachable: The PostgreSQL store postgres@127\.0\.0\.1:\d+\/reach_test_1 could not be reached: /,
      );
    } finally {
      await store.close();
    }
  });

  it("a store that cannot be reached at start says which, without its password", async () => {
    const port = await freePort();
    await assert.rejects(
      openPostgresStore(`postgres://reach:s3cret@127.0.0.1:${port}/reach`),
      (error: Error) =>
        error.message.startsWith(`The store reach@127.0.0.1:${port}/reach could not be opened: `) &&
        !error.message.includes("s3cret"),
    );
  });
});

describe("PostgreSQL storage failures", () => {
  it("a full disk (SQLSTATE 53100) rejects as StorageFailure, answered as RESOURCE_EXHAUSTED; a constraint stays itself", async () => {
    const full = Object.assign(new Error("could not extend file"), { code: "53100" });
    const failure = await guardQuery("here", () => Promise.reject(full)).catch((e) => e);
    assert.ok(failure instanceof StorageFailure);
    assert.equal(
      (storageError(failure, "the connection was not made") as GraphQLError).extensions.code,
      "RESOURCE_EXHAUSTED",
    );
    const unique = Object.assign(new Error("duplicate key"), { code: "23505" });
    assert.equal(await guardQuery("here", () => Promise.reject(unique)).catch((e) => e), unique);
  });
});

describe("--store", () => {
  it("defaults to SQLite in --data-dir, so a broker with no flags runs as before", () => {
    assert.deepEqual(parseStoreLocation(undefined, "/d"), { kind: "sqlite", dataDir: "/d" });
    assert.deepEqual(resolveConfig({ dataDir: "/d" }).store, { kind: "sqlite", dataDir: "/d" });
  });

  it("takes postgres:// URLs and sqlite:DIR, and says what it expects otherwise", () => {
    const url = "postgres://u:p@db.example:5432/reach";
    assert.deepEqual(parseStoreLocation(url, "/d"), { kind: "postgres", url });
    assert.deepEqual(parseStoreLocation("sqlite:/var/reach", "/d"), {
      kind: "sqlite",
      dataDir: "/var/reach",
    });
    assert.throws(() => parseStoreLocation("mysql://x/y", "/d"), /is neither postgres:\/\//);
    assert.throws(
      () => parseStoreLocation("postgres://u:p@host", "/d"),
      /needs a host and a database/,
    );
    assert.throws(() => parseStoreLocation("sqlite:", "/d"), /needs the directory/);
  });
});
