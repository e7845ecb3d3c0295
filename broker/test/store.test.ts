// The store's contract, run against every implementation of broker/store/store.ts (SQLite
// and PostgreSQL): what callers rely on, whichever database is behind it. PostgreSQL is a
// real server the harness starts for this file (test-support/postgres.ts); each test gets a
// fresh database on it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { GraphQLError } from "graphql";
import { startTestPostgres, type TestPostgres } from "../../test-support/postgres.js";
import { tempDir } from "../../test-support/stack.js";
import { openPostgresStore } from "../store/postgres/open-store.js";
import { MIGRATIONS } from "../store/sqlite/migrations.js";
import { DATABASE_FILE } from "../store/sqlite/open-database.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { guardWrite } from "../store/sqlite/storage-failure.js";
import { storageError } from "../store/storage-error.js";
import {
  type BrokerStore,
  type ConnectionRow,
  type DeviceQuery,
  StorageFailure,
} from "../store/store.js";

/** The file's one PostgreSQL server, started by the first test that needs it. */
let postgres: Promise<TestPostgres> | undefined;
function testPostgres(): Promise<TestPostgres> {
  postgres ??= startTestPostgres();
  return postgres;
}
after(async () => {
  await (await postgres)?.stop();
});

const implementations: { name: string; open(): Promise<BrokerStore> }[] = [
  { name: "SQLite", open: async () => openSqliteStore(await tempDir()) },
  {
    name: "PostgreSQL",
    open: async () => openPostgresStore(await (await testPostgres()).createDatabase()),
  },
];

function connectionRow(userId: string, serviceId: string, id: string, port: number): ConnectionRow {
  return {
    id,
    userId,
    serviceId,
    created: new Date().toISOString(),
    expiresAt: Date.now() + 60_000,
    timeout: 60,
    reverseProxy: false,
    host: "127.0.0.1",
    port,
    url: `tcp://127.0.0.1:${port}`,
    hostIP: "255.255.255.255",
    latchedIp: null,
  };
}

for (const implementation of implementations) {
  describe(`${implementation.name} store`, () => {
    async function withStore(run: (store: BrokerStore) => Promise<void>): Promise<void> {
      const store = await implementation.open();
      try {
        await run(store);
      } finally {
        await store.close();
      }
    }

    it("creates users with keys, adds keys to an existing email, and finds them by key", () =>
      withStore(async ({ users }) => {
        const first = await users.createUserWithKey("ann@example.com");
        const second = await users.createUserWithKey("ANN@example.com");
        assert.equal(second.userId, first.userId);
        assert.notEqual(second.accessKeyId, first.accessKeyId);
        const found = await users.findByAccessKey(second.accessKeyId);
        assert.deepEqual(found, {
          user: { id: first.userId, email: "ann@example.com" },
          secret: second.secretAccessKey,
        });
        assert.equal(await users.findByAccessKey("NOSUCHKEY"), undefined);
      }));

    it("registers devices idempotently and reports the services that went", () =>
      withStore(async ({ users, devices }) => {
        const { userId } = await users.createUserWithKey("dev@example.com");
        const ssh = { name: "ssh", application: 28, port: 22, host: "127.0.0.1" };
        const web = { name: "web", application: 7, port: 80, host: "127.0.0.1" };
        const first = await devices.register(userId, "hardware-1", "laptop", [ssh, web]);
        assert.deepEqual(first.removedServiceIds, []);
        const again = await devices.register(userId, "hardware-1", "renamed", [ssh]);
        assert.equal(again.device.id, first.device.id);
        assert.equal(again.device.name, "renamed");
        const sshId = first.services.find((s) => s.name === "ssh")?.id;
        const webId = first.services.find((s) => s.name === "web")?.id;
        assert.deepEqual(
          again.services.map((s) => s.id),
          [sshId],
        );
        assert.deepEqual(again.removedServiceIds, [webId]);
        assert.equal((await devices.findService(sshId ?? ""))?.userId, userId);
        assert.equal(await devices.findService(webId ?? ""), undefined);
        assert.deepEqual(await devices.findDevice(first.device.id), again.device);
        assert.equal(await devices.findDevice("no-such-device"), undefined);
        const page = await devices.findDevices(userId, {
          size: 10,
          from: 0,
          sort: { field: "name", descending: false },
          onlineIds: [],
        });
        assert.deepEqual(
          { total: page.total, ids: page.items.map((d) => d.id) },
          { total: 1, ids: [first.device.id] },
        );
        assert.deepEqual(
          (await devices.listServices(first.device.id)).map((s) => s.name),
          ["ssh"],
        );
      }));

    it("filters, sorts and pages devices; keeps tags and when each device last reported", () =>
      withStore(async ({ users, devices }) => {
        const { userId } = await users.createUserWithKey("find@example.com");
        const other = await users.createUserWithKey("other@example.com");
        const ssh = { name: "ssh", application: 28, port: 22, host: "127.0.0.1" };
        const web = { name: "web", application: 7, port: 80, host: "127.0.0.1" };
        // A pause between registrations, so that each is created in a later millisecond.
        const tick = () => new Promise((resolve) => setTimeout(resolve, 3));
        const pi = await devices.register(userId, "hardware-pi", "Kitchen-Pi", [ssh], ["home"]);
        await tick();
        const nas = await devices.register(userId, "hardware-nas", "nas", [web, ssh]);
        await tick();
        const box = await devices.register(userId, "hardware-box", "box", [web], ["a", "b"]);
        const theirs = await devices.register(other.userId, "hardware-x", "pi-of-other", [ssh]);
        const find = (query: Partial<DeviceQuery>) =>
          devices.findDevices(userId, {
            size: 10,
            from: 0,
            sort: { field: "name", descending: false },
            onlineIds: [nas.device.id],
            ...query,
          });
        const names = async (query: Partial<DeviceQuery>) =>
          (await find(query)).items.map((d) => d.name);
        assert.deepEqual(await names({}), ["box", "Kitchen-Pi", "nas"]);
        assert.deepEqual(await names({ sort: { field: "name", descending: true } }), [
          "nas",
          "Kitchen-Pi",
          "box",
        ]);
        assert.deepEqual(await names({ sort: { field: "created", descending: true } }), [
          "box",
          "nas",
          "Kitchen-Pi",
        ]);
        assert.deepEqual((await names({ sort: { field: "state", descending: false } }))[0], "nas");
        assert.deepEqual(await names({ name: "PI" }), ["Kitchen-Pi"]);
        assert.deepEqual(await names({ state: "active" }), ["nas"]);
        assert.deepEqual(await names({ state: "inactive" }), ["box", "Kitchen-Pi"]);
        assert.deepEqual(await names({ applications: [28] }), ["Kitchen-Pi", "nas"]);
        assert.deepEqual(await names({ hardwareId: "hardware-box" }), ["box"]);
        assert.deepEqual(await names({ tags: { operator: "ANY", names: ["a", "home"] } }), [
          "box",
          "Kitchen-Pi",
        ]);
        assert.deepEqual(await names({ tags: { operator: "ALL", names: ["a", "b", "a"] } }), [
          "box",
        ]);
        assert.deepEqual(await names({ tags: { operator: "ALL", names: ["a", "home"] } }), []);
        assert.deepEqual(await names({ ids: [pi.device.id, theirs.device.id] }), ["Kitchen-Pi"]);
        const page = await find({ size: 2, from: 1 });
        assert.deepEqual(
          { total: page.total, names: page.items.map((d) => d.name) },
          { total: 3, names: ["Kitchen-Pi", "nas"] },
        );
        assert.deepEqual(await devices.tagsOf(box.device.id), ["a", "b"]);
        assert.deepEqual(await devices.tagsOf(nas.device.id), []);
        await tick();
        await devices.register(userId, "hardware-box", "box", [web]);
        assert.deepEqual(await devices.tagsOf(box.device.id), []);
        await devices.reported(pi.device.id, "2030-01-01T00:00:00.000Z");
        assert.deepEqual(await names({ sort: { field: "lastReported", descending: true } }), [
          "Kitchen-Pi",
          "box",
          "nas",
        ]);
        assert.deepEqual(
          (await devices.listServices(nas.device.id, [7])).map((s) => s.name),
          ["web"],
        );
        const sshOfNas = nas.services.find((s) => s.name === "ssh")?.id ?? "";
        const sshOfTheirs = theirs.services[0]?.id ?? "";
        assert.deepEqual(
          (await devices.servicesOfUser(userId, [sshOfNas, sshOfTheirs])).map((s) => s.id),
          [sshOfNas],
        );
      }));

    it("keeps connections: hostIP, latches, one active row per port, and how they ended", () =>
      withStore(async ({ users, devices, connections }) => {
        const { userId } = await users.createUserWithKey("conn@example.com");
        const { services } = await devices.register(userId, "hardware-2", "box", [
          { name: "tcp", application: 1, port: 7, host: "127.0.0.1" },
        ]);
        const serviceId = services[0]?.id ?? "";
        await connections.insert(connectionRow(userId, serviceId, "c1", 40001));
        await assert.rejects(
          connections.insert(connectionRow(userId, serviceId, "c2", 40001)),
          (error) => !(error instanceof StorageFailure),
        );
        await connections.recordLatch("c1", "127.0.0.9");
        const stored = await connections.find("c1");
        assert.equal(stored?.hostIP, "255.255.255.255");
        assert.equal(stored?.latchedIp, "127.0.0.9");
        assert.equal(stored?.state, "active");
        assert.equal(await connections.countActive(userId), 1);
        assert.deepEqual(await connections.activeIdsOfService(serviceId), ["c1"]);
        assert.deepEqual(
          (await connections.listActiveOfUser(userId)).map((c) => c.id),
          ["c1"],
        );
        assert.equal(await connections.end("c1", "expired"), true);
        assert.equal(await connections.end("c1", "disconnected"), false);
        assert.equal((await connections.find("c1"))?.state, "expired");
        assert.deepEqual(await connections.listAllActive(), []);
      }));

    it("keeps links: one per service, settings replaced but host and code kept, gone with the service", () =>
      withStore(async ({ users, devices, links }) => {
        const { userId } = await users.createUserWithKey("links@example.com");
        const web = { name: "web", application: 7, port: 80, host: "127.0.0.1" };
        const { services } = await devices.register(userId, "hardware-3", "box", [web]);
        const serviceId = services[0]?.id ?? "";
        const row = {
          serviceId,
          userId,
          host: "abc.p1.example.test",
          code: "abc",
          enabled: true,
          passwordHash: null,
          allow: ["10.0.0.0/8"],
          deny: [],
          created: new Date().toISOString(),
        };
        await links.save(row);
        await links.save({
          ...row,
          host: "other",
          code: "other",
          enabled: false,
          deny: ["10.1.0.0/16"],
          passwordHash: "scrypt$x",
        });
        const stored = await links.find(serviceId);
        assert.deepEqual(stored, {
          ...row,
          enabled: false,
          deny: ["10.1.0.0/16"],
          passwordHash: "scrypt$x",
        });
        assert.deepEqual(
          (await links.listOfUser(userId)).map((l) => l.host),
          ["abc.p1.example.test"],
        );
        assert.equal((await links.listAll()).length, 1);
        assert.equal(await links.remove(serviceId), true);
        assert.equal(await links.remove(serviceId), false);
        await links.save(row);
        await devices.register(userId, "hardware-3", "box", []);
        assert.equal(
          await links.find(serviceId),
          undefined,
          "a removed service takes its link along",
        );
      }));
  });
}

describe("storage failures", () => {
  it("a full SQLite disk rejects as StorageFailure, which the API answers as RESOURCE_EXHAUSTED", () => {
    const full = Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
    let failure: unknown;
    try {
      guardWrite(() => {
        throw full;
      });
    } catch (error) {
      failure = error;
    }
    assert.ok(failure instanceof StorageFailure);
    assert.equal(failure.cause, full);
    const answer = storageError(failure, "the connection was not made");
    assert.ok(answer instanceof GraphQLError);
    assert.equal(answer.extensions.code, "RESOURCE_EXHAUSTED");
    assert.match(answer.message, /disk is full or failing\), so the connection was not made/);
    const constraint = Object.assign(new Error("UNIQUE"), { code: "SQLITE_CONSTRAINT_UNIQUE" });
    assert.throws(
      () =>
        guardWrite(() => {
          throw constraint;
        }),
      (error) => error === constraint,
    );
    assert.equal(storageError(constraint, "x"), constraint);
  });
});

describe("SQLite migration 2", () => {
  it("a store written before it gets lastReported from created, no tags, and remote.it's type numbers", async () => {
    const dataDir = await tempDir();
    const old = new Database(join(dataDir, DATABASE_FILE));
    old.exec(MIGRATIONS[0] as string);
    old.pragma("user_version = 1");
    old.exec(`
      INSERT INTO users (id, email, created) VALUES ('u1', 'old@example.com', '2025-01-01T00:00:00.000Z');
      INSERT INTO devices (id, user_id, hardware_id, name, created)
        VALUES ('d1', 'u1', 'hardware-old', 'old', '2025-01-02T00:00:00.000Z');
      INSERT INTO services (id, device_id, name, application, port, host, created) VALUES
        ('s1', 'd1', 'db', 37, 5432, '127.0.0.1', '2025-01-02T00:00:00.000Z'),
        ('s2', 'd1', 'files', 32, 445, '127.0.0.1', '2025-01-02T00:00:00.000Z'),
        ('s3', 'd1', 'my', 38, 3306, '127.0.0.1', '2025-01-02T00:00:00.000Z'),
        ('s4', 'd1', 'ssh', 28, 22, '127.0.0.1', '2025-01-02T00:00:00.000Z');
    `);
    old.close();
    const store = openSqliteStore(dataDir);
    try {
      const { items } = await store.devices.findDevices("u1", {
        size: 10,
        from: 0,
        sort: { field: "name", descending: false },
        onlineIds: [],
      });
      assert.equal(items[0]?.lastReported, "2025-01-02T00:00:00.000Z");
      assert.deepEqual(await store.devices.tagsOf("d1"), []);
      assert.deepEqual(
        (await store.devices.listServices("d1")).map((s) => [s.name, s.application]),
        [
          ["db", 46],
          ["files", 34],
          ["my", 45],
          ["ssh", 28],
        ],
      );
    } finally {
      await store.close();
    }
  });
});
