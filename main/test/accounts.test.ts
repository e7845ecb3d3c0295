// Several accounts: two profiles of a real credentials file for two real users on one real
// broker, each with an agent of its own. Switching signs in to the other account without a
// restart, shows its devices, closes the first account's on-demand listeners and opens the
// second's; signing out closes them all; the active profile survives a restart; and an
// older single on-demand list becomes the first account's.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { OnDemandStore } from "../../client/on-demand/on-demand-store.js";
import { writeProfile } from "../../common/credentials-file.js";
import type { DesktopState } from "../../common/desktop-api.js";
import { type OnDemandSpec, SPEC_DEFAULTS } from "../../common/on-demand.js";
import { RecordingHost } from "../../test-support/recording-host.js";
import {
  freePort,
  startStack,
  type TestAgent,
  type TestStack,
  tempDir,
} from "../../test-support/stack.js";
import { probe } from "../../test-support/visitors.js";
import { DesktopCore } from "../core/desktop-core.js";
import { runTrayAction } from "../core/tray-actions.js";
import { FileVault } from "../core/vault/file-vault.js";

/** Whether something listens on 127.0.0.1:port: a refused connect means nothing does. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const deviceNames = (state: DesktopState) => state.devices.map((device) => device.name);

describe("several accounts", () => {
  let stack: TestStack;
  let bobAgent: TestAgent;
  let credentialsPath: string;

  before(async () => {
    stack = await startStack({
      users: ["alice@example.com", "bob@example.com"],
      services: [{ name: "alice-shell", application: 28, target: "echo" }],
      agent: { p2pBindAddress: "127.0.0.1", name: "alice-box" },
    });
    const bob = stack.users[1];
    assert.ok(bob);
    bobAgent = await stack.startAgent(
      [{ name: "bob-shell", application: 28, host: "127.0.0.1", port: stack.echo.port }],
      { p2pBindAddress: "127.0.0.1", name: "bob-box" },
      bob,
    );
    credentialsPath = join(await tempDir("reach-accounts-creds-"), "credentials");
    for (const [name, user] of [
      ["alice", stack.user],
      ["bob", bob],
    ] as const) {
      await writeProfile(
        name,
        { ...user.credentials, apiUrl: stack.broker.apiUrl },
        credentialsPath,
      );
    }
    await writeProfile(
      "wrong-secret",
      {
        accessKeyId: stack.user.credentials.accessKeyId,
        secretAccessKey: Buffer.alloc(32, 7).toString("base64"),
        apiUrl: stack.broker.apiUrl,
      },
      credentialsPath,
    );
  });

  after(() => stack?.stop());

  async function startCore(dataDir: string, credentials = credentialsPath): Promise<DesktopCore> {
    const core = new DesktopCore({
      vault: new FileVault(join(dataDir, "vault.json")),
      host: new RecordingHost(),
      dataDir,
      credentialsPath: credentials,
      syncIntervalMs: 60_000,
      p2pBindAddress: "127.0.0.1",
    });
    await core.start();
    return core;
  }

  it("switches between profiles: devices, listeners and the active one follow", async () => {
    const dataDir = await tempDir("reach-accounts-");
    const core = await startCore(dataDir);
    try {
      assert.deepEqual(core.snapshot().accounts, {
        profiles: ["alice", "bob", "wrong-secret"],
        active: null,
      });

      const asAlice = await core.switchAccount({ profile: "alice" });
      assert.ok(asAlice.ok, JSON.stringify(asAlice));
      assert.equal(asAlice.value.accounts.active, "alice");
      assert.deepEqual(deviceNames(asAlice.value), ["alice-box"]);
      const aliceConnection = await core.addOnDemand({
        serviceId: stack.agent.serviceId("alice-shell"),
      });
      assert.ok(aliceConnection.ok, JSON.stringify(aliceConnection));
      const alicePort = aliceConnection.value.port;
      assert.equal(await probe(alicePort, "127.0.0.1"), "echoed", "alice's listener works");

      const asBob = await core.switchAccount({ profile: "bob" });
      assert.ok(asBob.ok, JSON.stringify(asBob));
      assert.equal(asBob.value.session.signedIn && asBob.value.session.email, "bob@example.com");
      assert.equal(asBob.value.accounts.active, "bob");
      assert.deepEqual(deviceNames(asBob.value), ["bob-box"]);
      assert.deepEqual(asBob.value.onDemand, [], "alice's connections are not bob's");
      assert.equal(await listening(alicePort), false, "alice's listener closed on the switch");
      const bobConnection = await core.addOnDemand({ serviceId: bobAgent.serviceId("bob-shell") });
      assert.ok(bobConnection.ok, JSON.stringify(bobConnection));
      const bobPort = bobConnection.value.port;
      assert.equal(await probe(bobPort, "127.0.0.1"), "echoed", "bob's listener works");

      // Back to alice from the tray: her list and listener come back, bob's go.
      await runTrayAction(
        core,
        { showWindow: () => {}, quit: () => {} },
        { kind: "switch-account", profile: "alice" },
      );
      const back = core.snapshot();
      assert.equal(back.accounts.active, "alice");
      assert.deepEqual(
        back.onDemand.map((view) => view.port),
        [alicePort],
      );
      assert.equal(await probe(alicePort, "127.0.0.1"), "echoed");
      assert.equal(await listening(bobPort), false, "bob's listener closed on the switch back");

      // One list per account, by access key.
      const lists = await readdir(join(dataDir, "on-demand"));
      assert.deepEqual(
        lists.sort(),
        [
          `${stack.user.credentials.accessKeyId}.json`,
          `${stack.users[1]?.credentials.accessKeyId}.json`,
        ].sort(),
      );

      const signedOut = await core.signOut();
      assert.ok(signedOut.ok);
      assert.deepEqual(signedOut.value.onDemand, []);
      assert.equal(signedOut.value.accounts.active, null);
      assert.equal(await listening(alicePort), false, "signing out closes the listeners");
      const refused = await core.addOnDemand({ serviceId: stack.agent.serviceId("alice-shell") });
      assert.ok(!refused.ok && refused.error.code === "UNAUTHENTICATED");
    } finally {
      await core.stop();
    }
  });

  it("a switch that cannot sign in leaves the current account as it was", async () => {
    const dataDir = await tempDir("reach-accounts-");
    const core = await startCore(dataDir);
    try {
      assert.ok((await core.switchAccount({ profile: "alice" })).ok);
      const added = await core.addOnDemand({ serviceId: stack.agent.serviceId("alice-shell") });
      assert.ok(added.ok, JSON.stringify(added));

      const unknown = await core.switchAccount({ profile: "carol" });
      assert.ok(!unknown.ok);
      assert.equal(unknown.error.code, "INVALID_INPUT");
      assert.match(unknown.error.message, /No profile named "carol" in .*credentials/);

      const wrong = await core.switchAccount({ profile: "wrong-secret" });
      assert.ok(!wrong.ok);
      assert.equal(wrong.error.code, "UNAUTHENTICATED");

      const state = core.snapshot();
      assert.equal(state.accounts.active, "alice");
      assert.deepEqual(deviceNames(state), ["alice-box"]);
      assert.equal(await probe(added.value.port, "127.0.0.1"), "echoed", "still listening");
    } finally {
      await core.stop();
    }
  });

  it("remembers the active profile across a restart; a key typed in is no profile", async () => {
    const dataDir = await tempDir("reach-accounts-");
    const first = await startCore(dataDir);
    let bobPort: number;
    try {
      assert.ok((await first.switchAccount({ profile: "bob" })).ok);
      const added = await first.addOnDemand({ serviceId: bobAgent.serviceId("bob-shell") });
      assert.ok(added.ok, JSON.stringify(added));
      bobPort = added.value.port;
    } finally {
      await first.stop();
    }
    assert.equal(await listening(bobPort), false, "stopped with the core");

    const second = await startCore(dataDir);
    try {
      const state = second.snapshot();
      assert.equal(state.session.signedIn && state.session.email, "bob@example.com");
      assert.equal(state.accounts.active, "bob");
      assert.equal(await probe(bobPort, "127.0.0.1"), "echoed", "bob's listener is back");

      const byKey = await second.signIn({
        apiUrl: stack.broker.apiUrl,
        ...stack.user.credentials,
      });
      assert.ok(byKey.ok, JSON.stringify(byKey));
      assert.equal(byKey.value.accounts.active, null, "signed in by key, not by a profile");
      assert.equal(await listening(bobPort), false);
    } finally {
      await second.stop();
    }
    const third = await startCore(dataDir);
    try {
      assert.equal(third.snapshot().accounts.active, null);
      assert.deepEqual(deviceNames(third.snapshot()), ["alice-box"]);
    } finally {
      await third.stop();
    }
  });

  it("gives the single list of an older version to the first account signed in", async () => {
    const dataDir = await tempDir("reach-accounts-");
    const legacy = join(dataDir, "on-demand.json");
    const port = await freePort();
    const spec: OnDemandSpec = {
      id: randomUUID(),
      serviceId: stack.agent.serviceId("alice-shell"),
      serviceName: "alice-shell",
      deviceName: "alice-box",
      name: "alice-shell",
      application: 28,
      route: "adaptive",
      ...SPEC_DEFAULTS,
      port,
      idleTimeout: 900,
    };
    await new OnDemandStore(legacy).save([spec]);
    const core = await startCore(dataDir);
    try {
      assert.deepEqual(core.snapshot().onDemand, [], "signed out: nobody's listeners run");
      assert.equal(await listening(port), false);
      assert.ok((await core.switchAccount({ profile: "alice" })).ok);
      assert.deepEqual(
        core.snapshot().onDemand.map((view) => view.id),
        [spec.id],
      );
      assert.equal(await probe(port, "127.0.0.1"), "echoed");
      await assert.rejects(stat(legacy), /ENOENT/, "the old list moved to alice's");
      assert.ok((await core.switchAccount({ profile: "bob" })).ok);
      assert.deepEqual(core.snapshot().onDemand, [], "and it is not bob's");
    } finally {
      await core.stop();
    }
  });

  it("follows the credentials file: a profile added later shows after a refresh", async () => {
    const own = join(await tempDir("reach-accounts-creds-"), "credentials");
    await writeProfile("alice", { ...stack.user.credentials, apiUrl: stack.broker.apiUrl }, own);
    const core = await startCore(await tempDir("reach-accounts-"), own);
    try {
      assert.deepEqual(core.snapshot().accounts.profiles, ["alice"]);
      const bob = stack.users[1];
      assert.ok(bob);
      await writeProfile("bob", { ...bob.credentials, apiUrl: stack.broker.apiUrl }, own);
      await core.refresh();
      assert.deepEqual(core.snapshot().accounts.profiles, ["alice", "bob"]);
      const switched = await core.switchAccount({ profile: "bob" });
      assert.ok(switched.ok && switched.value.accounts.active === "bob");
    } finally {
      await core.stop();
    }
  });
});
