// The desktop core against a real broker and agent: sign-in errors, connecting in each
// hostIP mode, expiry on a controllable clock, re-sync, the vault, and on-demand
// connections (P2P kept on loopback).
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import type { DesktopEvent, DesktopState } from "../../common/desktop-api.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { RecordingHost } from "../../test-support/recording-host.js";
import {
  DISCONNECT,
  startStack,
  type TestAgent,
  type TestBroker,
  type TestStack,
  type TestUser,
  tempDir,
} from "../../test-support/stack.js";
import { connectFrom, probe, randomPayload } from "../../test-support/visitors.js";
import { DesktopCore } from "../core/desktop-core.js";
import { FileVault } from "../core/vault/file-vault.js";

describe("desktop core", () => {
  let stack: TestStack;
  let broker: TestBroker;
  let agent: TestAgent;
  let user: TestUser;
  let dir: string;

  before(async () => {
    stack = await startStack({
      settings: { timeout: 600 },
      users: ["desk@example.com"],
      services: [
        { name: "shell", application: 28, target: "echo" },
        { name: "web", application: 7, target: "web" },
      ],
      agent: { p2pBindAddress: "127.0.0.1" },
    });
    ({ broker, agent, user } = stack);
    dir = await tempDir("reach-desktop-");
  });

  after(() => stack?.stop());

  // Each signed-in core holds an event subscription open; a test's cores end with it.
  const cores: DesktopCore[] = [];
  afterEach(async () => {
    for (const core of cores.splice(0)) await core.stop();
  });

  function makeCore(clock = new ManualClock(), name = "vault.json") {
    const host = new RecordingHost();
    const vault = new FileVault(join(dir, name));
    const core = new DesktopCore({ vault, host, clock, syncIntervalMs: 60_000 });
    cores.push(core);
    return { core, host, vault, clock };
  }

  const signIn = (core: DesktopCore) =>
    core.signIn({
      apiUrl: broker.apiUrl,
      accessKeyId: user.credentials.accessKeyId,
      secretAccessKey: user.credentials.secretAccessKey,
    });

  it("says why sign-in failed: wrong secret, unknown key, unreachable broker", async () => {
    const { core } = makeCore();
    const wrong = await core.signIn({
      apiUrl: broker.apiUrl,
      accessKeyId: user.credentials.accessKeyId,
      secretAccessKey: Buffer.alloc(32, 1).toString("base64"),
    });
    assert.equal(wrong.ok, false);
    if (!wrong.ok) {
      assert.equal(wrong.error.code, "UNAUTHENTICATED");
      assert.match(wrong.error.message, /signature does not match/);
    }
    const unreachable = await core.signIn({
      apiUrl: "http://127.0.0.1:9/graphql/v1",
      accessKeyId: "X",
      secretAccessKey: "eA==",
    });
    assert.equal(unreachable.ok, false);
    if (!unreachable.ok) {
      assert.equal(unreachable.error.code, "UNREACHABLE");
      assert.match(unreachable.error.message, /Cannot reach the broker at http:\/\/127\.0\.0\.1:9/);
    }
    assert.equal(core.snapshot().session.signedIn, false);
  });

  it("signs in, lists devices and services, and knows this machine's address", async () => {
    const { core } = makeCore();
    const result = await signIn(core);
    assert.ok(result.ok, JSON.stringify(result));
    const state = core.snapshot();
    assert.deepEqual(state.session, {
      signedIn: true,
      email: "desk@example.com",
      apiUrl: broker.apiUrl,
      accessKeyId: user.credentials.accessKeyId,
    });
    assert.equal(state.myIp, "127.0.0.1");
    const services = state.devices[0]?.services.map((s) => [s.name, s.type, s.online, s.web]);
    assert.deepEqual(services, [
      ["shell", "SSH", true, false],
      ["web", "HTTP", true, true],
    ]);
    assert.ok(
      !JSON.stringify(state).includes(user.credentials.secretAccessKey),
      "the secret must not be in the state",
    );
  });

  it("connects in each hostIP mode, and the connections really work", async () => {
    const { core } = makeCore();
    await signIn(core);
    const shellId = agent.serviceId("shell");
    const modes: [string, string, string][] = [
      ["0.0.0.0", "127.0.0.3", "echoed"],
      ["127.0.0.2", "127.0.0.3", "closed"],
      ["255.255.255.255", "127.0.0.4", "echoed"],
    ];
    for (const [hostIP, visitor, expected] of modes) {
      const result = await core.connect({ serviceId: shellId, hostIP });
      assert.ok(result.ok, JSON.stringify(result));
      if (!result.ok) continue;
      assert.equal(result.value.status, "active");
      assert.equal(result.value.serviceName, "shell");
      assert.match(result.value.address, /^127\.0\.0\.1:\d+$/);
      const port = Number(result.value.address.split(":")[1]);
      assert.equal(await probe(port, visitor), expected, `hostIP ${hostIP} from ${visitor}`);
    }
    const web = await core.connect({ serviceId: agent.serviceId("web"), hostIP: "0.0.0.0" });
    assert.ok(web.ok && web.value.reverseProxy && web.value.address.startsWith("http://"));
    const bad = await core.connect({ serviceId: shellId, hostIP: "1.2.3" });
    assert.ok(!bad.ok && bad.error.code === "BAD_USER_INPUT");
  });

  it("expires a connection at created + timeout, notifies, and pushes the change", async () => {
    const clock = new ManualClock();
    const { core, host } = makeCore(clock);
    await signIn(core);
    const events: DesktopEvent[] = [];
    core.subscribe((e) => events.push(e));
    const result = await core.connect({ serviceId: agent.serviceId("shell"), hostIP: "0.0.0.0" });
    assert.ok(result.ok);
    if (!result.ok) return;
    assert.equal(result.value.expiresAt, Date.parse(result.value.created) + 600_000);
    clock.advance(result.value.expiresAt - clock.now() - 1000);
    assert.equal(
      core.snapshot().connections.find((c) => c.id === result.value.id)?.status,
      "active",
    );
    clock.advance(1000);
    assert.equal(
      core.snapshot().connections.find((c) => c.id === result.value.id)?.status,
      "expired",
    );
    const mine = host.notifications.filter((n) => n.includes(result.value.address));
    assert.equal(mine.length, 1, "one notification for this connection");
    assert.match(mine[0] ?? "", /^Connection expired: shell/);
    const last = events.filter((e) => e.type === "state").at(-1);
    const pushed =
      last?.type === "state"
        ? last.state.connections.find((c) => c.id === result.value.id)
        : undefined;
    assert.equal(pushed?.status, "expired");
  });

  it("re-syncs: a connection closed elsewhere shows as closed", async () => {
    const { core } = makeCore();
    await signIn(core);
    const result = await core.connect({ serviceId: agent.serviceId("shell"), hostIP: "0.0.0.0" });
    assert.ok(result.ok);
    if (!result.ok) return;
    await user.api(DISCONNECT, { connectionId: result.value.id });
    await core.sync();
    assert.equal(
      core.snapshot().connections.find((c) => c.id === result.value.id)?.status,
      "closed",
    );
  });

  it("keeps the secret in a file only the user can read, and sign-out wipes it", async () => {
    const { core, vault } = makeCore(new ManualClock(), "wipe.json");
    await signIn(core);
    const info = await stat(join(dir, "wipe.json"));
    assert.equal(info.mode & 0o777, 0o600);
    assert.equal((await vault.load())?.secretAccessKey, user.credentials.secretAccessKey);
    const restarted = makeCore(new ManualClock(), "wipe.json").core;
    await restarted.start();
    assert.equal(restarted.snapshot().session.signedIn, true, "a restart signs in from the vault");
    restarted.stop();
    await core.signOut();
    assert.equal(await vault.load(), null);
    assert.equal(core.snapshot().session.signedIn, false);
  });

  it("adds an on-demand connection, carries bytes P2P, pushes its counters, removes it", async () => {
    const clock = new ManualClock();
    const dataDir = await tempDir("reach-desktop-od-");
    const core = new DesktopCore({
      vault: new FileVault(join(dataDir, "vault.json")),
      host: new RecordingHost(),
      clock,
      syncIntervalMs: 60_000,
      dataDir,
      p2pBindAddress: "127.0.0.1",
      // The test proves which path carries the bytes, not how fast P2P opens.
      p2pWaitMs: 15_000,
    });
    await core.start();
    const pushed: DesktopState[] = [];
    core.subscribe((e) => {
      if (e.type === "state") pushed.push(e.state);
    });
    try {
      const shellId = agent.serviceId("shell");
      const signedOut = await core.addOnDemand({ serviceId: shellId });
      assert.ok(!signedOut.ok && signedOut.error.code === "UNAUTHENTICATED");
      await signIn(core);
      const unknown = await core.addOnDemand({ serviceId: "no-such-service" });
      assert.ok(!unknown.ok && unknown.error.code === "INVALID_INPUT");
      assert.match(unknown.ok ? "" : unknown.error.message, /no service with id/);
      const noPath = await core.addOnDemand({ serviceId: shellId, p2p: false, failover: false });
      assert.ok(!noPath.ok && /keep one of them/.test(noPath.error.message));

      const added = await core.addOnDemand({ serviceId: shellId });
      assert.ok(added.ok, JSON.stringify(added));
      if (!added.ok) return;
      assert.equal(added.value.status, "idle");
      assert.deepEqual(
        pushed.at(-1)?.onDemand.map((v) => v.id),
        [added.value.id],
      );

      // A socket kept open: its bytes show only in the counters, not in any event of its own.
      const payload = randomPayload(64 * 1024);
      const socket = await connectFrom(added.value.port, "127.0.0.1");
      let echoed = 0;
      await new Promise<void>((resolve) => {
        socket.on("data", (chunk: Buffer) => {
          echoed += chunk.length;
          if (echoed >= payload.length) resolve();
        });
        socket.write(payload);
      });
      const view = core.snapshot().onDemand[0];
      assert.equal(view?.status, "connected");
      assert.equal(view?.path, "p2p");
      const before = pushed.length;
      clock.advance(2_000);
      assert.equal(pushed.length, before + 1, "moving counters are pushed");
      assert.equal(pushed.at(-1)?.onDemand[0]?.bytesIn, payload.length);
      assert.equal(pushed.at(-1)?.onDemand[0]?.bytesOut, payload.length);
      clock.advance(2_000);
      assert.equal(pushed.length, before + 1, "still counters are not pushed again");
      socket.destroy();

      const removed = await core.removeOnDemand({ id: added.value.id });
      assert.ok(removed.ok && removed.value.onDemand.length === 0);
      assert.equal(await probe(added.value.port, "127.0.0.1"), "closed");
      const again = await core.removeOnDemand({ id: added.value.id });
      assert.ok(!again.ok && again.error.code === "INVALID_INPUT");
    } finally {
      await core.stop();
    }
  });

  it("has no on-demand connections without a data directory", async () => {
    const { core } = makeCore();
    await signIn(core);
    const refused = await core.addOnDemand({ serviceId: agent.serviceId("shell") });
    assert.ok(!refused.ok && /without a data directory/.test(refused.error.message));
    assert.deepEqual(core.snapshot().onDemand, []);
  });

  it("refuses to open URLs outside the allowlist", async () => {
    const { core } = makeCore();
    const refused = await core.openExternal({ url: "file:///etc/passwd" });
    assert.ok(!refused.ok);
    assert.ok((await core.openExternal({ url: "ssh://127.0.0.1:22" })).ok);
  });
});
