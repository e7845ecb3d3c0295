// The store's contract, run against every implementation of broker/store/store.ts (today
// SQLite): what callers rely on, whichever database is behind it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GraphQLError } from "graphql";
import { tempDir } from "../../test-support/stack.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { guardWrite } from "../store/sqlite/storage-failure.js";
import { storageError } from "../store/storage-error.js";
import { type BrokerStore, type ConnectionRow, StorageFailure } from "../store/store.js";

const implementations: { name: string; open(dataDir: string): BrokerStore }[] = [
  { name: "SQLite", open: openSqliteStore },
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
      const store = implementation.open(await tempDir());
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
        assert.equal(await devices.countDevices(userId), 1);
        assert.deepEqual(await devices.findDevice(first.device.id), again.device);
        assert.equal(await devices.findDevice("no-such-device"), undefined);
        assert.deepEqual(
          (await devices.listDevices(userId, 10, 0)).map((d) => d.id),
          [first.device.id],
        );
        assert.deepEqual(
          (await devices.listServices(first.device.id)).map((s) => s.name),
          ["ssh"],
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
