// The store's contract, run against every implementation of broker/store/store.ts (SQLite
// and PostgreSQL): what callers rely on, whichever database is behind it. PostgreSQL is a
// real server the harness starts for this file (test-support/postgres.ts); each test gets a
// fresh database on it.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
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

/**
 * Each implementation: where a fresh store goes (a data dir, a database URL) and how to
 * open one there, so that two stores can share one place as the nodes of a cluster do.
 */
const implementations: {
  name: string;
  place(): Promise<string>;
  openAt(place: string): Promise<BrokerStore>;
}[] = [
  { name: "SQLite", place: () => tempDir(), openAt: async (dir) => openSqliteStore(dir) },
  {
    name: "PostgreSQL",
    place: async () => (await testPostgres()).createDatabase(),
    openAt: (url) => openPostgresStore(url),
  },
];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function connectionRow(
  userId: string,
  serviceId: string,
  id: string,
  port: number,
  node = 1,
): ConnectionRow {
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
    node,
  };
}

for (const implementation of implementations) {
  describe(`${implementation.name} store`, () => {
    async function withStore(run: (store: BrokerStore) => Promise<void>): Promise<void> {
      const store = await implementation.openAt(await implementation.place());
      try {
        await run(store);
      } finally {
        await store.close();
      }
    }

    /** Two stores opened at once on one place: two nodes of a cluster. */
    async function withTwoStores(
      run: (one: BrokerStore, two: BrokerStore) => Promise<void>,
    ): Promise<void> {
      const place = await implementation.place();
      const [one, two] = await Promise.all([
        implementation.openAt(place),
        implementation.openAt(place),
      ]);
      try {
        await run(one, two);
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    }

    /** A user with one device of one TCP service, through `store`. */
    async function userWithService(store: BrokerStore, email: string) {
      const { userId } = await store.users.createUserWithKey(email);
      const { device, services } = await store.devices.register(userId, `hw-${email}`, "box", [
        { name: "tcp", application: 1, port: 7, host: "127.0.0.1" },
      ]);
      return { userId, deviceId: device.id, serviceId: services[0]?.id ?? "" };
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
          liveNodes: [],
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
        // nas is on a live node; Kitchen-Pi's node is not live (it died holding the tunnel).
        await devices.attach(nas.device.id, 2);
        await devices.attach(pi.device.id, 3);
        const find = (query: Partial<DeviceQuery>) =>
          devices.findDevices(userId, {
            size: 10,
            from: 0,
            sort: { field: "name", descending: false },
            liveNodes: [1, 2],
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

    it("attaches devices to nodes: every device query names the node, detach only from the node holding it, detachAll", () =>
      withStore(async (store) => {
        const { devices } = store;
        const one = await userWithService(store, "attach@example.com");
        const { userId } = one;
        const two = await devices.register(userId, "hw-two", "two", []);
        const three = await devices.register(userId, "hw-three", "three", []);
        assert.equal(two.device.node, null);
        await devices.attach(one.deviceId, 1);
        await devices.attach(two.device.id, 1);
        await devices.attach(three.device.id, 2);
        assert.equal((await devices.findDevice(one.deviceId))?.node, 1);
        assert.equal((await devices.findService(one.serviceId))?.deviceNode, 1);
        // The agent moved to node 2; node 1 noticing its old tunnel close must not undo that.
        await devices.attach(one.deviceId, 2);
        await devices.detach(one.deviceId, 1);
        assert.equal((await devices.findDevice(one.deviceId))?.node, 2);
        await devices.detach(one.deviceId, 2);
        assert.equal((await devices.findDevice(one.deviceId))?.node, null);
        assert.equal((await devices.findService(one.serviceId))?.deviceNode, null);
        // An agent registering again (its hello) keeps the attachment it has.
        const again = await devices.register(userId, "hw-three", "three", []);
        assert.equal(again.device.node, 2);
        await devices.attach(one.deviceId, 1);
        await devices.detachAll(1);
        const find = (liveNodes: number[], state?: "active" | "inactive") =>
          devices.findDevices(userId, {
            size: 10,
            from: 0,
            sort: { field: "name", descending: false },
            liveNodes,
            state,
          });
        assert.deepEqual(
          (await find([1, 2])).items.map((d) => [d.name, d.node]),
          [
            ["box", null],
            ["three", 2],
            ["two", null],
          ],
        );
        assert.deepEqual(
          (await find([1, 2], "active")).items.map((d) => d.name),
          ["three"],
        );
        assert.deepEqual((await find([1], "active")).items, []);
        assert.deepEqual(
          (await find([1], "inactive")).items.map((d) => d.name),
          ["box", "three", "two"],
        );
      }));

    it("inserts within the per-user cap, counting only that user's active connections", () =>
      withStore(async (store) => {
        const { connections } = store;
        const ann = await userWithService(store, "cap@example.com");
        const bob = await userWithService(store, "cap-other@example.com");
        const row = (id: string, port: number) =>
          connectionRow(ann.userId, ann.serviceId, id, port);
        assert.equal(await connections.insertWithinCap(row("c1", 40101), 2), true);
        assert.equal(await connections.insertWithinCap(row("c2", 40102), 2), true);
        assert.equal(await connections.insertWithinCap(row("c3", 40103), 2), false);
        assert.equal(await connections.find("c3"), undefined, "a refused row is not stored");
        assert.equal(
          await connections.insertWithinCap(
            connectionRow(bob.userId, bob.serviceId, "b1", 40104),
            2,
          ),
          true,
        );
        await connections.end("c1", "disconnected");
        assert.equal(await connections.end("c1", "expired"), false, "ended once, counted once");
        assert.equal(await connections.insertWithinCap(row("c3", 40103), 2), true);
        assert.equal(await connections.countActive(ann.userId), 2);
        // A row that cannot be stored (its port is held) counts nothing.
        await connections.end("c2", "disconnected");
        await assert.rejects(connections.insertWithinCap(row("c4", 40103), 2));
        assert.equal(await connections.countActive(ann.userId), 1);
        await connections.insert(row("c5", 40105));
        assert.equal(await connections.countActive(ann.userId), 2);
        assert.equal(await connections.insertWithinCap(row("c6", 40106), 2), false);
      }));

    it("100 capped inserts racing from two stores on one database end with exactly the cap", () =>
      withTwoStores(async (one, two) => {
        const { userId, serviceId } = await userWithService(one, "race-cap@example.com");
        const cap = 10;
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            (i % 2 === 0 ? one : two).connections.insertWithinCap(
              connectionRow(userId, serviceId, `race-${i}`, 41000 + i, 1 + (i % 2)),
              cap,
            ),
          ),
        );
        assert.equal(results.filter(Boolean).length, cap);
        assert.equal(await one.connections.countActive(userId), cap);
        assert.equal(await two.connections.countActive(userId), cap);
      }));

    it("latches race from two stores: in 100 rounds exactly one address wins and both see it", () =>
      withTwoStores(async (one, two) => {
        const { userId, serviceId } = await userWithService(one, "race-latch@example.com");
        const winners = new Set<string>();
        for (let round = 0; round < 100; round++) {
          const id = `latch-${round}`;
          await one.connections.insert(connectionRow(userId, serviceId, id, 42000 + round));
          const [fromOne, fromTwo] = await Promise.all([
            one.connections.recordLatch(id, "127.0.0.2"),
            two.connections.recordLatch(id, "127.0.0.3"),
          ]);
          assert.equal(fromOne, fromTwo, `round ${round}: both racers learn the one winner`);
          assert.ok(fromOne === "127.0.0.2" || fromOne === "127.0.0.3");
          assert.equal((await one.connections.find(id))?.latchedIp, fromOne);
          assert.equal((await two.connections.find(id))?.latchedIp, fromOne);
          // A later latch changes nothing.
          assert.equal(await two.connections.recordLatch(id, "127.0.0.4"), fromOne);
          winners.add(fromOne);
        }
        assert.ok(winners.size >= 1);
        assert.equal(
          await one.connections.recordLatch("no-such-connection", "127.0.0.5"),
          "127.0.0.5",
          "a connection already gone answers with the caller's address",
        );
      }));

    it("keeps the latest activity, finds reverse proxies by host, lists a node's connections, names the ended", () =>
      withStore(async (store) => {
        const { connections } = store;
        const { userId, serviceId } = await userWithService(store, "node-conn@example.com");
        const host = "abc.p2.example.test";
        await connections.insert(connectionRow(userId, serviceId, "n1", 40201, 1));
        await connections.insert({
          ...connectionRow(userId, serviceId, "n2", 0, 2),
          reverseProxy: true,
          host,
          port: null,
          url: `https://${host}`,
        });
        await connections.insert(connectionRow(userId, serviceId, "n3", 40203, 2));
        assert.equal((await connections.find("n1"))?.lastActivity, null);
        await connections.touch("n1", 2_000);
        await connections.touch("n1", 1_000);
        assert.equal((await connections.find("n1"))?.lastActivity, 2_000);
        await connections.touch("n1", 3_000.5);
        assert.equal((await connections.find("n1"))?.lastActivity, 3_000.5);
        assert.equal((await connections.find("n2"))?.node, 2);
        const proxy = await connections.findActiveByHost(host);
        assert.equal(proxy?.id, "n2");
        assert.equal(proxy?.reverseProxy, true);
        assert.equal(
          await connections.findActiveByHost("127.0.0.1"),
          undefined,
          "a port proxy's host is no reverse proxy",
        );
        assert.deepEqual((await connections.listActiveOfNode(2)).map((c) => c.id).sort(), [
          "n2",
          "n3",
        ]);
        assert.deepEqual(
          (await connections.listActiveOfNode(1)).map((c) => c.id),
          ["n1"],
        );
        assert.equal(await connections.end("n2", "expired"), true);
        assert.equal(await connections.findActiveByHost(host), undefined);
        assert.deepEqual(
          (await connections.listActiveOfNode(2)).map((c) => c.id),
          ["n3"],
        );
        assert.deepEqual(await connections.endedAmong(["n1", "n2", "nope", "n3"]), ["n2", "nope"]);
        assert.deepEqual(await connections.endedAmong([]), []);
      }));

    it("lists the nodes that heartbeat, by number: live then not, their devices and connections, started kept unless starting", () =>
      withStore(async (store) => {
        const { nodes, devices, connections } = store;
        const { userId, deviceId, serviceId } = await userWithService(store, "nodes@example.com");
        const two = {
          node: 2,
          url: "http://127.0.0.12:8080",
          publicHost: "127.0.0.12",
          publicIps: ["127.0.0.12", "::1"],
        };
        await nodes.heartbeat(two, true);
        await nodes.heartbeat(
          { node: 1, url: "http://127.0.0.11:8080", publicHost: "h1", publicIps: [] },
          true,
        );
        await devices.attach(deviceId, 2);
        await connections.insert(connectionRow(userId, serviceId, "on-2", 40301, 2));
        await connections.insert(connectionRow(userId, serviceId, "ended-on-2", 40302, 2));
        await connections.end("ended-on-2", "disconnected");
        const listed = await nodes.summaries(60_000);
        assert.deepEqual(
          (await nodes.list(60_000)).map(({ node, live }) => ({ node, live })),
          [
            { node: 1, live: true },
            { node: 2, live: true },
          ],
        );
        assert.deepEqual(
          listed.map(({ node, url, publicHost, publicIps, live, devices, connections }) => ({
            node,
            url,
            publicHost,
            publicIps,
            live,
            devices,
            connections,
          })),
          [
            {
              node: 1,
              url: "http://127.0.0.11:8080",
              publicHost: "h1",
              publicIps: [],
              live: true,
              devices: 0,
              connections: 0,
            },
            { ...two, live: true, devices: 1, connections: 1 },
          ],
        );
        const first = listed[1];
        assert.match(first?.started ?? "", ISO_TIME);
        assert.match(first?.heartbeat ?? "", ISO_TIME);
        await pause(20);
        await nodes.heartbeat(
          { ...two, url: "http://127.0.0.12:9090", publicIps: ["192.0.2.2"] },
          false,
        );
        const beat = (await nodes.list(60_000))[1];
        assert.equal(beat?.url, "http://127.0.0.12:9090");
        assert.deepEqual(beat?.publicIps, ["192.0.2.2"], "a heartbeat rewrites the addresses");
        assert.equal(beat?.started, first?.started, "a heartbeat keeps the start time");
        assert.ok((beat?.heartbeat ?? "") > (first?.heartbeat ?? ""));
        await pause(20);
        await nodes.heartbeat(two, true);
        const restarted = (await nodes.list(60_000))[1];
        assert.ok(
          (restarted?.started ?? "") > (first?.started ?? ""),
          "a start sets the start time",
        );
        await pause(20);
        assert.deepEqual(
          (await nodes.list(1)).map((n) => n.live),
          [false, false],
        );
      }));

    it("makes the cluster secret once: two stores opened at once get the same one", () =>
      withTwoStores(async (one, two) => {
        const [a, b] = await Promise.all([one.nodes.clusterSecret(), two.nodes.clusterSecret()]);
        assert.equal(a, b);
        assert.match(a, /^[A-Za-z0-9_-]{43}$/, "32 random bytes, base64url");
        assert.equal(await one.nodes.clusterSecret(), a);
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

    it("shares ACME challenge values between nodes, each name's values apart, expired ones unseen", () =>
      withTwoStores(async (one, two) => {
        const apex = "_acme-challenge.example.test";
        await one.acme.addChallenge(apex, "value-1", 60_000);
        await two.acme.addChallenge(apex, "value-2", 60_000);
        await one.acme.addChallenge("_acme-challenge.p1.example.test", "value-3", 60_000);
        assert.deepEqual(await two.acme.challengeValues(apex), ["value-1", "value-2"]);
        assert.deepEqual(await one.acme.challengeValues("_acme-challenge.p1.example.test"), [
          "value-3",
        ]);
        await two.acme.removeChallenge(apex, "value-1");
        assert.deepEqual(await one.acme.challengeValues(apex), ["value-2"]);
        // A value whose node died mid-order: past its time, no node answers it.
        await one.acme.addChallenge("_acme-challenge.p2.example.test", "stale", -1);
        assert.deepEqual(await two.acme.challengeValues("_acme-challenge.p2.example.test"), []);
        // Published again, it counts from then.
        await one.acme.addChallenge("_acme-challenge.p2.example.test", "stale", 60_000);
        assert.deepEqual(await two.acme.challengeValues("_acme-challenge.p2.example.test"), [
          "stale",
        ]);
      }));

    it("keeps one ACME account key for all nodes: the first candidate stored stands", () =>
      withTwoStores(async (one, two) => {
        const [a, b] = await Promise.all([
          one.acme.accountKey("key-from-one"),
          two.acme.accountKey("key-from-two"),
        ]);
        assert.equal(a, b);
        assert.ok(["key-from-one", "key-from-two"].includes(a));
        assert.equal(await one.acme.accountKey("a-later-key"), a);
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
        liveNodes: [],
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

describe("SQLite migration 4", () => {
  it("a store written before the cluster serves its connections as node 1, with no device attached", async () => {
    const dataDir = await tempDir();
    const old = new Database(join(dataDir, DATABASE_FILE));
    for (const step of MIGRATIONS.slice(0, 3)) old.exec(step);
    old.pragma("user_version = 3");
    old.exec(`
      INSERT INTO users (id, email, created) VALUES ('u1', 'old@example.com', '2025-01-01T00:00:00.000Z');
      INSERT INTO devices (id, user_id, hardware_id, name, created, last_reported)
        VALUES ('d1', 'u1', 'hardware-old', 'old', '2025-01-02T00:00:00.000Z', '2025-01-02T00:00:00.000Z');
      INSERT INTO connections (id, user_id, service_id, created, expires_at, timeout,
        reverse_proxy, host, port, url, host_ip, latched_ip, state)
        VALUES ('c1', 'u1', 's1', '2025-01-02T00:00:00.000Z', 1, 60, 0, '127.0.0.1', 40999,
          'tcp://127.0.0.1:40999', '0.0.0.0', NULL, 'active');
    `);
    old.close();
    const store = openSqliteStore(dataDir);
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
});

/**
 * What one racing process does on a shared SQLite store: once told to go (a line on stdin),
 * capped inserts and latches as fast as it can, then prints what each latch answered.
 */
const SQLITE_RACER = `
  import { openSqliteStore } from ${JSON.stringify(join(import.meta.dirname, "../store/sqlite/sqlite-store.ts"))};
  const [dir, userId, serviceId, label, address] = process.argv.slice(1);
  const store = openSqliteStore(dir);
  console.log("ready");
  process.stdin.once("data", async () => {
    const latched = [];
    for (let i = 0; i < 100; i++) {
      const port = (label === "a" ? 43000 : 43500) + i;
      await store.connections.insertWithinCap({ id: label + "-" + i, userId, serviceId,
        created: new Date().toISOString(), expiresAt: Date.now() + 60000, timeout: 60,
        reverseProxy: false, host: "127.0.0.1", port, url: "tcp://127.0.0.1:" + port,
        hostIP: "255.255.255.255", latchedIp: null, node: 1 }, 30);
      latched.push(await store.connections.recordLatch("latch-" + i, address));
    }
    await store.close();
    console.log(JSON.stringify(latched));
    process.exit(0);
  });
`;

function startRacer(args: string[]) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", SQLITE_RACER, ...args],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines: string[] = [];
  let partial = "";
  let wake = () => {};
  child.stdout.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
    wake();
  });
  const line = async (n: number): Promise<string> => {
    while (lines.length <= n) {
      if (child.exitCode !== null) throw new Error(`a racer exited with ${child.exitCode}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        child.once("exit", () => resolve());
      });
    }
    return lines[n] as string;
  };
  return { child, line };
}

describe("SQLite shared by two processes", () => {
  it("capped inserts and latches racing from two processes on one file: the cap holds, one address wins each latch", async () => {
    const dir = await tempDir();
    const store = openSqliteStore(dir);
    try {
      const { userId } = await store.users.createUserWithKey("processes@example.com");
      const { services } = await store.devices.register(userId, "hw-processes", "box", [
        { name: "tcp", application: 1, port: 7, host: "127.0.0.1" },
      ]);
      const serviceId = services[0]?.id ?? "";
      for (let i = 0; i < 100; i++) {
        await store.connections.insert({
          ...connectionRow(userId, serviceId, `latch-${i}`, 44000 + i),
          userId: (await store.users.createUserWithKey(`latch-${i}@example.com`)).userId,
        });
      }
      const racers = [
        startRacer([dir, userId, serviceId, "a", "127.0.0.2"]),
        startRacer([dir, userId, serviceId, "b", "127.0.0.3"]),
      ];
      try {
        await Promise.all(racers.map((r) => r.line(0)));
        for (const racer of racers) racer.child.stdin?.write("go\n");
        const [a, b] = (await Promise.all(racers.map((r) => r.line(1)))).map(
          (line) => JSON.parse(line) as string[],
        );
        assert.equal(await store.connections.countActive(userId), 30);
        for (let i = 0; i < 100; i++) {
          const stored = (await store.connections.find(`latch-${i}`))?.latchedIp;
          assert.equal(a?.[i], stored, `latch ${i}`);
          assert.equal(b?.[i], stored, `latch ${i}`);
        }
      } finally {
        for (const racer of racers) racer.child.kill();
      }
    } finally {
      await store.close();
    }
  });
});
