// Each tray click run against a real desktop core signed in to a real broker and agent: a
// connect opens a real connection with the item's hostIP, copy and open hand its address
// and URL to the host, disconnect ends it at the broker, and showing the window and
// quitting go to the shell (quitting stops the core's listeners too).
import assert from "node:assert/strict";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { RecordingHost } from "../../test-support/recording-host.js";
import { eventually, startStack, type TestStack, tempDir } from "../../test-support/stack.js";
import { DesktopCore } from "../core/desktop-core.js";
import { runTrayAction, type TrayShell } from "../core/tray-actions.js";
import type { TrayAction } from "../core/tray-menu.js";
import { FileVault } from "../core/vault/file-vault.js";

describe("tray actions", () => {
  let stack: TestStack;
  let core: DesktopCore;
  const host = new RecordingHost();
  const shellCalls: string[] = [];
  const shell: TrayShell = {
    showWindow: () => shellCalls.push("showWindow"),
    quit: () => shellCalls.push("quit"),
  };
  const run = (action: TrayAction) => runTrayAction(core, shell, action);
  const serviceId = (name: string) => {
    const found = core
      .snapshot()
      .devices.flatMap((device) => device.services)
      .find((service) => service.name === name);
    assert.ok(found, `no service ${name}`);
    return found.id;
  };
  const active = () => core.snapshot().connections.filter((c) => c.status === "active");

  before(async () => {
    stack = await startStack({
      users: ["tray@example.com"],
      services: [
        { name: "shell", application: 28, target: "echo" },
        { name: "web", application: 7, target: "web" },
      ],
    });
    const dir = await tempDir("reach-tray-");
    core = new DesktopCore({
      vault: new FileVault(join(dir, "vault.json")),
      host,
      dataDir: dir,
      syncIntervalMs: 60_000,
    });
    const signedIn = await core.signIn({
      apiUrl: stack.broker.apiUrl,
      accessKeyId: stack.user.credentials.accessKeyId,
      secretAccessKey: stack.user.credentials.secretAccessKey,
    });
    assert.ok(signedIn.ok, JSON.stringify(signedIn));
  });

  after(async () => {
    await core?.stop();
    await stack?.stop();
  });

  it("connects the item's service with the item's hostIP", async () => {
    await run({ kind: "connect", serviceId: serviceId("shell"), hostIP: "255.255.255.255" });
    const [connection] = active();
    assert.equal(connection?.serviceId, serviceId("shell"));
    assert.equal(connection?.hostIP, "255.255.255.255");
    assert.equal(connection?.reverseProxy, false);
  });

  it("copies a connection's address and opens its URL through the host", async () => {
    const [connection] = active();
    assert.ok(connection);
    await run({ kind: "copy", connectionId: connection.id });
    assert.deepEqual(host.copied, [connection.address]);
    await run({ kind: "open", connectionId: connection.id });
    assert.deepEqual(host.opened, [connection.url]);
  });

  it("does nothing for a connection or on-demand entry that is gone", async () => {
    await run({ kind: "copy", connectionId: "gone" });
    await run({ kind: "open", connectionId: "gone" });
    await run({ kind: "copy-on-demand", id: "gone" });
    assert.equal(host.copied.length, 1);
    assert.equal(host.opened.length, 1);
  });

  it("copies and launches a saved connection through its templates, asking for a username in the window", async () => {
    const added = await core.addOnDemand({ serviceId: serviceId("shell") });
    assert.ok(added.ok, JSON.stringify(added));
    const copiedBefore = host.copied.length;
    await run({ kind: "copy-on-demand", id: added.value.id });
    assert.equal(host.copied.length, copiedBefore, "nothing copied without a username");
    assert.deepEqual(shellCalls.splice(0), ["showWindow"], "the window asks for it");
    const named = await core.copyOnDemand({ id: added.value.id, username: "alice" });
    assert.ok(named.ok && named.value.done, JSON.stringify(named));
    await run({ kind: "copy-on-demand", id: added.value.id });
    assert.equal(host.copied.at(-1), `ssh -l alice 127.0.0.1 -p ${added.value.port}`);
    await run({ kind: "launch-on-demand", id: added.value.id });
    assert.equal(host.opened.at(-1), `ssh://alice@127.0.0.1:${added.value.port}`);
    assert.deepEqual(shellCalls, []);
  });

  it("disconnects one, then all, at the broker", async () => {
    await run({ kind: "connect", serviceId: serviceId("web"), hostIP: "0.0.0.0" });
    const [first, second] = active();
    assert.ok(first && second, "two connections open");
    await run({ kind: "disconnect", connectionId: first.id });
    assert.deepEqual(
      active().map((c) => c.id),
      [second.id],
    );
    await run({ kind: "disconnect-all" });
    assert.deepEqual(active(), []);
    const listed = await stack.user.api<{ login: { connections: unknown[] } }>(
      "{ login { connections { id } } }",
    );
    assert.deepEqual(listed.data?.login.connections, [], "the broker has none open either");
  });

  it("hands the window and quitting to the shell; quitting stops the core's listeners", async () => {
    const onDemand = core.snapshot().onDemand[0];
    assert.ok(onDemand);
    await run({ kind: "show-window" });
    assert.deepEqual(shellCalls, ["showWindow"]);
    await run({ kind: "quit" });
    assert.deepEqual(shellCalls, ["showWindow", "quit"]);
    await eventually(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = connect(onDemand.port, "127.0.0.1");
          socket.once("connect", () => {
            socket.destroy();
            resolve(false);
          });
          socket.once("error", () => resolve(true));
        }),
    );
  });
});
