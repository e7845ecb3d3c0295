// Tray actions against a real core, broker and agent: Connect… adds a saved connection on
// the item's route (a public one connects at once), Connect/Disconnect, Copy and Launch go
// through the window's core methods, a missing username hands over to the window, a
// failure is told, and showing the window and quitting go to the shell (quitting stops the
// core's listeners too).
import assert from "node:assert/strict";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stateWords } from "../../common/on-demand-words.js";
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
  const told: string[] = [];
  const shell: TrayShell = {
    showWindow: () => shellCalls.push("showWindow"),
    quit: () => shellCalls.push("quit"),
    notify: (title, body) => told.push(`${title}: ${body}`),
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
  const saved = (name: string) => {
    const view = core.snapshot().onDemand.find((v) => v.serviceName === name);
    assert.ok(view, `no saved connection for ${name}`);
    return view;
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
    await core.start();
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

  it("Connect… adds a saved connection on the item's route with the default idle timeout", async () => {
    await run({ kind: "connect-service", serviceId: serviceId("shell"), route: "proxy" });
    assert.deepEqual(told, []);
    const view = saved("shell");
    assert.equal(view.route, "proxy");
    assert.equal(view.idleTimeout, core.snapshot().settings.defaultIdleTimeoutMinutes * 60);
    assert.equal(view.status, "idle", "a local route listens at once");
  });

  it("Connect… on the public route opens the broker's proxy at once", async () => {
    await run({ kind: "connect-service", serviceId: serviceId("web"), route: "public" });
    assert.deepEqual(told, []);
    const view = saved("web");
    assert.equal(view.status, "public");
    assert.ok(view.connectionId);
    assert.deepEqual(
      active().map((c) => c.id),
      [view.connectionId],
    );
  });

  it("Disconnect and Connect switch a saved connection off and on", async () => {
    const { id, port } = saved("shell");
    await run({ kind: "stop-on-demand", id });
    assert.equal(stateWords(saved("shell")), "off", "as the tray and the window say it");
    assert.equal(await listening(port), false);
    await run({ kind: "start-on-demand", id });
    assert.equal(stateWords(saved("shell")), "idle");
    assert.equal(await listening(port), true);
    await run({ kind: "stop-on-demand", id: saved("web").id });
    assert.deepEqual(active(), [], "the public proxy is closed at the broker");
    assert.deepEqual(told, []);
  });

  it("Copy without a username hands over to the window, which asks for it", async () => {
    await run({ kind: "copy-on-demand", id: saved("shell").id });
    assert.deepEqual(shellCalls, ["showWindow"]);
    assert.deepEqual(host.copied, [], "nothing half-resolved reaches the clipboard");
    const updated = await core.updateOnDemand({ id: saved("shell").id, username: "alice" });
    assert.ok(updated.ok, JSON.stringify(updated));
    await run({ kind: "copy-on-demand", id: saved("shell").id });
    assert.deepEqual(host.copied, [`ssh -l alice 127.0.0.1 -p ${saved("shell").port}`]);
    await run({ kind: "launch-on-demand", id: saved("shell").id });
    assert.deepEqual(host.opened, [`ssh://alice@127.0.0.1:${saved("shell").port}`]);
  });

  it("Launch opens a web connection's URL through the host", async () => {
    const updated = await core.updateOnDemand({ id: saved("web").id, route: "adaptive" });
    assert.ok(updated.ok, JSON.stringify(updated));
    await run({ kind: "launch-on-demand", id: saved("web").id });
    assert.equal(host.opened.at(-1), `http://127.0.0.1:${saved("web").port}/`);
  });

  it("tells why an action failed", async () => {
    await run({ kind: "start-on-demand", id: "gone" });
    assert.equal(told.length, 1);
    assert.match(told[0] ?? "", /^Reach could not do that: .*gone/);
    told.length = 0;
  });

  it("copies, opens and disconnects a broker connection made elsewhere", async () => {
    const made = await core.connect({ serviceId: serviceId("web"), hostIP: "0.0.0.0" });
    assert.ok(made.ok, JSON.stringify(made));
    await run({ kind: "copy", connectionId: made.value.id });
    assert.equal(host.copied.at(-1), made.value.address);
    await run({ kind: "open", connectionId: made.value.id });
    assert.equal(host.opened.at(-1), new URL(made.value.url).href);
    await run({ kind: "copy", connectionId: "gone" });
    assert.equal(host.copied.at(-1), made.value.address, "nothing for a connection that is gone");
    await run({ kind: "disconnect", connectionId: made.value.id });
    assert.deepEqual(active(), []);
    const listed = await stack.user.api<{ login: { connections: unknown[] } }>(
      "{ login { connections { id } } }",
    );
    assert.deepEqual(listed.data?.login.connections, [], "the broker has none open either");
    assert.deepEqual(told, []);
  });

  it("hands the window and quitting to the shell; quitting stops the core's listeners", async () => {
    const { port } = saved("shell");
    shellCalls.length = 0;
    await run({ kind: "show-window" });
    await run({ kind: "quit" });
    assert.deepEqual(shellCalls, ["showWindow", "quit"]);
    await eventually(async () => !(await listening(port)));
  });
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
