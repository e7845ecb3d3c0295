// The desktop core against a real broker and agent: sign-in errors, connecting in each
// hostIP mode, expiry on a controllable clock, re-sync, and the vault.
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { DesktopEvent } from "../../common/desktop-api.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import {
  createTestUser,
  DISCONNECT,
  startTestAgent,
  startTestBroker,
  type TestUser,
  tempDir,
} from "../../test-support/stack.js";
import {
  type HttpTarget,
  startHttpTarget,
  startTcpEcho,
  type TcpEcho,
} from "../../test-support/targets.js";
import { probe } from "../../test-support/visitors.js";
import { DesktopCore } from "../core/desktop-core.js";
import type { HostServices } from "../core/host-services.js";
import { FileVault } from "../core/vault/file-vault.js";

class RecordingHost implements HostServices {
  copied: string[] = [];
  notifications: string[] = [];
  async copyText(text: string) {
    this.copied.push(text);
    return true;
  }
  async openExternal() {
    return true;
  }
  notify(title: string, body: string) {
    this.notifications.push(`${title}: ${body}`);
  }
}

describe("desktop core", () => {
  let broker: Awaited<ReturnType<typeof startTestBroker>>;
  let agent: Awaited<ReturnType<typeof startTestAgent>>;
  let echo: TcpEcho;
  let web: HttpTarget;
  let user: TestUser;
  let dir: string;

  before(async () => {
    echo = await startTcpEcho();
    web = await startHttpTarget();
    broker = await startTestBroker({ timeout: 600 });
    user = createTestUser(broker, "desk@example.com");
    agent = await startTestAgent(broker, user, [
      { name: "shell", application: 28, port: echo.port, host: "127.0.0.1" },
      { name: "web", application: 7, port: web.port, host: "127.0.0.1" },
    ]);
    dir = await tempDir("reach-desktop-");
  });

  after(async () => {
    await agent.stop();
    await broker.close();
    await echo.close();
    await web.close();
    await broker.removeData();
  });

  function makeCore(clock = new ManualClock(), name = "vault.json") {
    const host = new RecordingHost();
    const vault = new FileVault(join(dir, name));
    const core = new DesktopCore({ vault, host, clock, syncIntervalMs: 60_000 });
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

  it("refuses to open URLs outside the allowlist", async () => {
    const { core } = makeCore();
    const refused = await core.openExternal({ url: "file:///etc/passwd" });
    assert.ok(!refused.ok);
    assert.ok((await core.openExternal({ url: "ssh://127.0.0.1:22" })).ok);
  });
});
