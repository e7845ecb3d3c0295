// Saved connections used the way the window and tray use them, against a real broker and
// agent: Copy asks for a missing username once and remembers it across a restart, templates
// with unknown tokens or schemes outside the allowlist are refused before anything is saved,
// Launch opens URLs and runs a real command in a terminal (the command talks to the echo
// service through the connection), and a public route is Connected, edited only when down,
// and Disconnected at the broker.
import assert from "node:assert/strict";
import { chmod, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { OnDemandView } from "../../common/on-demand.js";
import { RecordingHost } from "../../test-support/recording-host.js";
import { eventually, startStack, type TestStack, tempDir } from "../../test-support/stack.js";
import { probe } from "../../test-support/visitors.js";
import { DesktopCore } from "../core/desktop-core.js";
import { FileVault } from "../core/vault/file-vault.js";

describe("saved connections: copy, launch, connect", () => {
  let stack: TestStack;
  const running: DesktopCore[] = [];

  before(async () => {
    stack = await startStack({
      users: ["launch@example.com"],
      services: [
        { name: "shell", application: 28, target: "echo" },
        { name: "raw", application: 1, target: "echo" },
        { name: "web", application: 7, target: "web" },
      ],
      agent: { p2pBindAddress: "127.0.0.1" },
    });
  });

  after(async () => {
    for (const core of running) await core.stop();
    await stack?.stop();
  });

  /** A core on dataDir, signed in from its vault (or with the stack's user the first time). */
  async function startCore(dataDir: string, host = new RecordingHost()) {
    const core = new DesktopCore({
      vault: new FileVault(join(dataDir, "vault.json")),
      host,
      dataDir,
      syncIntervalMs: 60_000,
      p2pBindAddress: "127.0.0.1",
    });
    running.push(core);
    await core.start();
    if (!core.snapshot().session.signedIn) {
      const signedIn = await core.signIn({
        apiUrl: stack.broker.apiUrl,
        accessKeyId: stack.user.credentials.accessKeyId,
        secretAccessKey: stack.user.credentials.secretAccessKey,
      });
      assert.ok(signedIn.ok, JSON.stringify(signedIn));
    }
    return { core, host };
  }

  async function stopCore(core: DesktopCore) {
    running.splice(running.indexOf(core), 1);
    await core.stop();
  }

  async function added(core: DesktopCore, input: Parameters<DesktopCore["addOnDemand"]>[0]) {
    const result = await core.addOnDemand(input);
    assert.ok(result.ok, JSON.stringify(result));
    return result.value;
  }

  const viewOf = (core: DesktopCore, id: string): OnDemandView | undefined =>
    core.snapshot().onDemand.find((view) => view.id === id);

  it("asks for a missing username once, refuses one a shell would read, and remembers it across a restart", async () => {
    const dataDir = await tempDir("reach-launch-user-");
    const first = await startCore(dataDir);
    const shell = await added(first.core, { serviceId: stack.agent.serviceId("shell") });

    assert.deepEqual(await first.core.copyOnDemand({ id: shell.id }), {
      ok: true,
      value: { done: false, missing: ["username"] },
    });
    const shady = await first.core.copyOnDemand({ id: shell.id, username: "a;reboot" });
    assert.ok(!shady.ok && shady.error.code === "INVALID_INPUT");
    assert.match(shady.ok ? "" : shady.error.message, /may hold only letters, digits/);
    assert.equal(viewOf(first.core, shell.id)?.username, null, "a refused username is not kept");
    assert.deepEqual(first.host.copied, []);

    const copied = await first.core.copyOnDemand({ id: shell.id, username: "alice" });
    const text = `ssh -l alice 127.0.0.1 -p ${shell.port}`;
    assert.deepEqual(copied, { ok: true, value: { done: true, text, kind: "copy", byHost: true } });
    assert.deepEqual(first.host.copied, [text]);
    await stopCore(first.core);

    const second = await startCore(dataDir);
    assert.equal(viewOf(second.core, shell.id)?.username, "alice");
    const again = await second.core.copyOnDemand({ id: shell.id });
    assert.ok(again.ok && again.value.done && again.value.text === text, JSON.stringify(again));
    const launched = await second.core.launchOnDemand({ id: shell.id });
    assert.deepEqual(launched, {
      ok: true,
      value: {
        done: true,
        text: `ssh://alice@127.0.0.1:${shell.port}`,
        kind: "url",
        byHost: true,
      },
    });
    assert.deepEqual(second.host.opened, [`ssh://alice@127.0.0.1:${shell.port}`]);
    await stopCore(second.core);
  });

  it("refuses templates with unknown tokens or schemes outside the allowlist, saving nothing", async () => {
    const dataDir = await tempDir("reach-launch-check-");
    const { core, host } = await startCore(dataDir);
    const rawId = stack.agent.serviceId("raw");
    const fileUrl = await core.addOnDemand({ serviceId: rawId, launchTemplate: "file:///[host]" });
    assert.ok(!fileUrl.ok && fileUrl.error.code === "INVALID_INPUT");
    assert.match(
      fileUrl.ok ? "" : fileUrl.error.message,
      /opens a file: URL, which Reach does not open/,
    );
    assert.deepEqual(core.snapshot().onDemand, [], "nothing was added");

    const raw = await added(core, { serviceId: rawId });
    const unknown = await core.updateOnDemand({ id: raw.id, copyTemplate: "[hostname]:[port]" });
    assert.ok(!unknown.ok);
    assert.match(unknown.ok ? "" : unknown.error.message, /unknown token \[hostname\]/);
    const script = await core.updateOnDemand({
      id: raw.id,
      name: "renamed",
      launchTemplate: "javascript:alert([port])",
    });
    assert.ok(!script.ok);
    assert.match(script.ok ? "" : script.error.message, /javascript: URL/);
    const kept = viewOf(core, raw.id);
    assert.deepEqual(
      [kept?.name, kept?.copyTemplate, kept?.launchTemplate],
      ["raw", null, null],
      "a refused edit changes nothing",
    );

    const nothing = await core.launchOnDemand({ id: raw.id });
    assert.ok(!nothing.ok);
    assert.match(nothing.ok ? "" : nothing.error.message, /raw has nothing to launch/);
    const copied = await core.copyOnDemand({ id: raw.id });
    assert.ok(copied.ok && copied.value.done && copied.value.text === `127.0.0.1:${raw.port}`);
    assert.deepEqual(host.opened, []);
    await stopCore(core);
  });

  it("runs a launch command in a terminal for real: it talks to the service through the connection", async () => {
    const dir = await tempDir("reach-launch-run-");
    // The "terminal" on PATH runs what it is given, as x-terminal-emulator -e does in a window.
    const bin = join(dir, "bin");
    await mkdir(bin);
    await symlink("/bin/sh", join(bin, "sh"));
    await writeFile(join(bin, "x-terminal-emulator"), '#!/bin/sh\nshift\nexec "$@"\n');
    await chmod(join(bin, "x-terminal-emulator"), 0o755);
    // What the command runs: a client that sends a line through host:port and writes what came back.
    const client = join(dir, "talk.mjs");
    await writeFile(
      client,
      `import { connect } from "node:net";
import { writeFileSync } from "node:fs";
const [host, port, out] = process.argv.slice(2);
const socket = connect({ host, port: Number(port) }, () => socket.write("hello through reach"));
let got = "";
socket.on("data", (chunk) => {
  got += chunk;
  if (got.length >= 19) { writeFileSync(out, got); socket.destroy(); }
});
`,
    );
    const out = join(dir, "echoed.txt");
    const { core, host } = await startCore(dir, new RecordingHost({ PATH: bin }));
    const raw = await added(core, {
      serviceId: stack.agent.serviceId("raw"),
      route: "proxy",
      launchTemplate: `"${process.execPath}" "${client}" [host] [port] "${out}"`,
    });
    const launched = await core.launchOnDemand({ id: raw.id });
    assert.ok(launched.ok, JSON.stringify(launched));
    assert.deepEqual(launched.value, {
      done: true,
      text: `"${process.execPath}" "${client}" 127.0.0.1 ${raw.port} "${out}"`,
      kind: "command",
      byHost: true,
    });
    await eventually(async () => (await readFile(out, "utf8").catch(() => "")) !== "", 15_000);
    assert.equal(await readFile(out, "utf8"), "hello through reach");
    assert.equal(viewOf(core, raw.id)?.path, "relay", "the bytes went through the connection");
    assert.equal(host.ran.length, 1);
    await stopCore(core);
  });

  it("says so when no terminal can be found", async () => {
    const dir = await tempDir("reach-launch-noterm-");
    const { core } = await startCore(dir, new RecordingHost({ PATH: dir }));
    const raw = await added(core, {
      serviceId: stack.agent.serviceId("raw"),
      launchTemplate: "nc [host] [port]",
    });
    const refused = await core.launchOnDemand({ id: raw.id });
    assert.ok(!refused.ok);
    assert.match(refused.ok ? "" : refused.error.message, /^No terminal found/);
    await stopCore(core);
  });

  it("connects and disconnects local routes by switching their listener", async () => {
    const dir = await tempDir("reach-launch-local-");
    const { core } = await startCore(dir);
    const shell = await added(core, { serviceId: stack.agent.serviceId("shell"), enabled: false });
    assert.equal(await probe(shell.port, "127.0.0.1"), "closed");
    const started = await core.startOnDemand({ id: shell.id });
    assert.ok(started.ok && started.value.enabled, JSON.stringify(started));
    assert.equal(await probe(shell.port, "127.0.0.1"), "echoed");
    assert.equal(viewOf(core, shell.id)?.status, "connected", "the probe opened its path");
    const stopped = await core.stopOnDemand({ id: shell.id });
    assert.ok(stopped.ok && !stopped.value.enabled, JSON.stringify(stopped));
    assert.equal(await probe(shell.port, "127.0.0.1"), "closed");
    await stopCore(core);
  });

  it("connects a public route through the broker, refuses edits while it is up, and disconnects it", async () => {
    const dir = await tempDir("reach-launch-public-");
    const { core, host } = await startCore(dir);
    const shell = await added(core, {
      serviceId: stack.agent.serviceId("shell"),
      route: "public",
      publicMode: "restricted",
      username: "bob",
    });
    assert.deepEqual([shell.status, shell.address, shell.connectionId], ["idle", "", null]);
    const notUp = await core.copyOnDemand({ id: shell.id });
    assert.match(notUp.ok ? "" : notUp.error.message, /shell is not connected: connect it first/);

    const started = await core.startOnDemand({ id: shell.id });
    assert.ok(started.ok, JSON.stringify(started));
    const view = started.value;
    assert.equal(view.status, "public");
    const connection = core.snapshot().connections.find((c) => c.id === view.connectionId);
    assert.equal(connection?.hostIP, "127.0.0.1", "restricted without an address: to myIp");
    assert.equal(view.address, connection?.address);
    const proxyPort = Number(view.address.split(":")[1]);
    assert.equal(await probe(proxyPort, "127.0.0.1"), "echoed");
    assert.equal(await probe(proxyPort, "127.0.0.3"), "closed", "restricted to 127.0.0.1");
    const copied = await core.copyOnDemand({ id: shell.id });
    assert.ok(copied.ok && copied.value.done);
    assert.equal(host.copied.at(-1), `ssh -l bob 127.0.0.1 -p ${proxyPort}`);

    const edit = await core.updateOnDemand({ id: shell.id, name: "renamed" });
    assert.ok(!edit.ok && edit.error.code === "INVALID_INPUT");
    assert.match(edit.ok ? "" : edit.error.message, /shell is connected through its public proxy/);

    // A restart finds the broker connection again and shows it as this one's.
    await stopCore(core);
    const restarted = await startCore(dir, host);
    assert.equal(viewOf(restarted.core, shell.id)?.status, "public");
    assert.equal(viewOf(restarted.core, shell.id)?.connectionId, view.connectionId);

    const stopped = await restarted.core.stopOnDemand({ id: shell.id });
    assert.ok(stopped.ok, JSON.stringify(stopped));
    assert.deepEqual([stopped.value.status, stopped.value.enabled], ["off", false]);
    const listed = await stack.user.api<{ login: { connections: unknown[] } }>(
      "{ login { connections { id } } }",
    );
    assert.deepEqual(listed.data?.login.connections, [], "the broker closed it");
    assert.equal(await probe(proxyPort, "127.0.0.1"), "closed");
    const renamed = await restarted.core.updateOnDemand({ id: shell.id, name: "renamed" });
    assert.ok(renamed.ok && renamed.value.name === "renamed", "editable once it is down");
    await stopCore(restarted.core);
  });

  it("gives a public web service the reverse proxy, and Copy its URL", async () => {
    const dir = await tempDir("reach-launch-web-");
    const { core } = await startCore(dir);
    const web = await added(core, {
      serviceId: stack.agent.serviceId("web"),
      route: "public",
      publicMode: "public",
    });
    const started = await core.startOnDemand({ id: web.id });
    assert.ok(started.ok, JSON.stringify(started));
    const connection = core.snapshot().connections.find((c) => c.id === started.value.connectionId);
    assert.equal(connection?.reverseProxy, true);
    const url = new URL(started.value.address);
    const copied = await core.copyOnDemand({ id: web.id });
    assert.ok(copied.ok && copied.value.done, JSON.stringify(copied));
    assert.equal(copied.value.text, `http://${url.hostname}:${url.port || "80"}`);
    const launched = await core.launchOnDemand({ id: web.id });
    assert.ok(launched.ok && launched.value.done && launched.value.kind === "url");
    const stopped = await core.stopOnDemand({ id: web.id });
    assert.ok(stopped.ok && stopped.value.status === "off");
    await stopCore(core);
  });
});
