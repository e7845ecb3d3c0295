// The desktop core's live status against a real broker and agents: changes made elsewhere
// (a device going offline, a connection ended or opened from another client) reach the
// core's state within 2 s through the event subscription, with the safety-net sync far
// away; a dropped subscription turns into polling with a note, and events come back with
// the broker; the visitors of public connections (latched one marked, bytes counted).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { BrokerClient } from "../../client/broker-client.js";
import type { DesktopState } from "../../common/desktop-api.js";
import { LATCHING_HOST_IP } from "../../common/host-ip.js";
import { killHard } from "../../test-support/processes.js";
import {
  createUserKeys,
  startAgentProcess,
  startBrokerProcess,
} from "../../test-support/reach-processes.js";
import { RecordingHost } from "../../test-support/recording-host.js";
import {
  connectOrFail,
  eventually,
  freePort,
  startStack,
  type TestStack,
  tempDir,
} from "../../test-support/stack.js";
import { closed, connectFrom, probe } from "../../test-support/visitors.js";
import { DesktopCore } from "../core/desktop-core.js";
import { FileVault } from "../core/vault/file-vault.js";

/** How fast a change made elsewhere must reach the core (the 2 s). */
const LIVE_MS = 2_000;
/** Far beyond any test: a change that arrives in time came through an event. */
const NO_SAFETY_SYNC = 3_600_000;

describe("live status", () => {
  let stack: TestStack;
  let dir: string;
  const cores: DesktopCore[] = [];

  before(async () => {
    stack = await startStack({
      users: ["live@example.com"],
      services: [{ name: "shell", application: 28, target: "echo" }],
    });
    dir = await tempDir("reach-live-");
  });

  afterEach(async () => {
    for (const core of cores.splice(0)) await core.stop();
  });

  after(() => stack?.stop());

  /** A core on the system clock, signed in, with its event feed open. */
  async function liveCore(apiUrl = stack.broker.apiUrl, credentials = stack.user.credentials) {
    const host = new RecordingHost();
    const core = new DesktopCore({
      vault: new FileVault(join(dir, `vault-${cores.length}-${Date.now()}.json`)),
      host,
      syncIntervalMs: NO_SAFETY_SYNC,
    });
    cores.push(core);
    const signedIn = await core.signIn({ apiUrl, ...credentials });
    assert.ok(signedIn.ok, JSON.stringify(signedIn));
    await eventually(() => core.snapshot().live.mode === "events");
    assert.equal(core.snapshot().live.note, null);
    return { core, host };
  }

  const connectionOf = (state: DesktopState, id: string) =>
    state.connections.find((c) => c.id === id);

  it("shows a device going offline and coming back within 2 s, and notifies once each", async () => {
    const laptop = await stack.startAgent(
      [{ name: "notes", application: 1, host: "127.0.0.1", port: stack.echo.port }],
      { name: "laptop" },
    );
    const { core, host } = await liveCore();
    const deviceOf = () => core.snapshot().devices.find((d) => d.name === "laptop");
    assert.equal(deviceOf()?.online, true);
    // An open connection makes the device's coming and going news.
    const opened = await core.connect({ serviceId: laptop.serviceId("notes"), hostIP: "0.0.0.0" });
    assert.ok(opened.ok, JSON.stringify(opened));

    await laptop.stop();
    await eventually(() => deviceOf()?.online === false, LIVE_MS);
    assert.equal(core.snapshot().live.mode, "events", "the change came by event, not by polling");
    assert.deepEqual(
      host.notifications.filter((n) => n.startsWith("Device")),
      ["Device offline: laptop went offline while a connection to it is open."],
    );

    await stack.startAgent(
      [{ name: "notes", application: 1, host: "127.0.0.1", port: stack.echo.port }],
      { name: "laptop", dataDir: laptop.dataDir },
    );
    await eventually(() => deviceOf()?.online === true, LIVE_MS);
    assert.deepEqual(
      host.notifications.filter((n) => n.startsWith("Device")),
      [
        "Device offline: laptop went offline while a connection to it is open.",
        "Device back online: laptop is back; its connection works again.",
      ],
    );
  });

  it("shows connections ended and opened by another client within 2 s", async () => {
    const { core, host } = await liveCore();
    const shellId = stack.agent.serviceId("shell");
    const mine = await core.connect({ serviceId: shellId, hostIP: "0.0.0.0" });
    assert.ok(mine.ok, JSON.stringify(mine));
    if (!mine.ok) return;

    // The CLI is another BrokerClient with the same key.
    const cli = new BrokerClient({ apiUrl: stack.broker.apiUrl, ...stack.user.credentials });
    try {
      assert.equal(await cli.disconnect(mine.value.id), true);
      await eventually(
        () => connectionOf(core.snapshot(), mine.value.id)?.status === "closed",
        LIVE_MS,
      );

      const theirs = await cli.connect(shellId, "0.0.0.0");
      await eventually(
        () => connectionOf(core.snapshot(), theirs.id)?.status === "active",
        LIVE_MS,
      );
      await cli.disconnect(theirs.id);
      await eventually(
        () => connectionOf(core.snapshot(), theirs.id)?.status === "closed",
        LIVE_MS,
      );
    } finally {
      cli.stop();
    }
    assert.equal(core.snapshot().live.mode, "events");
    assert.deepEqual(
      host.notifications.filter((n) => n.startsWith("Connection")),
      [],
      "a connection someone disconnected is not news",
    );
  });

  it("falls back to polling with a note when the feed drops, and returns to events", async () => {
    // A broker process of its own, killed and started again on the same port and store.
    const port = await freePort();
    const dataDir = await tempDir("reach-live-broker-");
    let broker = await startBrokerProcess({ port, dataDir });
    const credentials = createUserKeys(dataDir, "drop@example.com");
    const agent = await startAgentProcess({
      apiUrl: broker.apiUrl,
      credentials,
      dataDir: await tempDir("reach-live-agent-"),
      services: [`back=tcp:${stack.echo.port}`],
      name: "comes-back",
    });
    try {
      const { core } = await liveCore(broker.apiUrl, credentials);
      const device = () => core.snapshot().devices.find((d) => d.name === "comes-back");
      assert.equal(device()?.online, true);

      await killHard(broker.child);
      await eventually(() => core.snapshot().live.mode === "polling", LIVE_MS);
      assert.match(
        core.snapshot().live.note ?? "",
        /^Live updates lost \(.+\); re-syncing every 5 s\.$/,
      );
      // The window counts down to the next re-sync from this.
      const next = core.snapshot().live.nextSyncAt;
      assert.ok(next !== null && next > Date.now() - 1000, `nextSyncAt: ${next}`);

      // The retry (after 1 s, then 2 s …) finds the broker back; a catch-up sync runs first.
      broker = await startBrokerProcess({ port, dataDir });
      await eventually(() => core.snapshot().live.mode === "events", 10_000);
      assert.equal(core.snapshot().live.note, null);
      assert.equal(core.snapshot().problem, null, "the catch-up sync worked");
      await eventually(() => device()?.online === true, 10_000);

      // Events flow again: the device going away shows within 2 s.
      await agent.stop();
      await eventually(() => device()?.online === false, LIVE_MS);
      assert.equal(core.snapshot().live.mode, "events");
    } finally {
      await agent.stop();
      await broker.stop();
    }
  });

  it("lists a latching proxy's visitors: the latched one marked, the refused one absent, bytes counted", async () => {
    const { core } = await liveCore();
    const opened = await core.connect({
      serviceId: stack.agent.serviceId("shell"),
      hostIP: LATCHING_HOST_IP,
    });
    assert.ok(opened.ok, JSON.stringify(opened));
    if (!opened.ok) return;
    const port = Number(opened.value.address.split(":")[1]);
    const current = () => connectionOf(core.snapshot(), opened.value.id);

    const first = await connectFrom(port, "127.0.0.2");
    await echo(first, "hello");
    await eventually(() => current()?.latchedIP === "127.0.0.2", LIVE_MS);
    assert.equal(await probe(port, "127.0.0.3"), "closed", "the latch keeps 127.0.0.3 out");
    await eventually(() => current()?.bytesIn === 5 && current()?.bytesOut === 5, LIVE_MS);

    // More bytes on the same socket come with no event of their own: the once-a-second read.
    await echo(first, "and more");
    await eventually(() => current()?.bytesIn === 13, LIVE_MS);
    const visitors = current()?.visitors ?? [];
    assert.equal(visitors.length, 1, JSON.stringify(visitors));
    assert.deepEqual(
      { ...visitors[0], since: undefined },
      {
        address: "127.0.0.2",
        since: undefined,
        bytesIn: 13,
        bytesOut: 13,
        latched: true,
        connected: true,
      },
    );
    assert.ok(Math.abs((visitors[0]?.since ?? 0) - Date.now()) < 60_000, "since is when it came");

    first.end();
    await closed(first);
    await eventually(() => current()?.visitors[0]?.connected === false, LIVE_MS);
    const second = await connectFrom(port, "127.0.0.2");
    await echo(second, "hi");
    await eventually(() => current()?.visitors.length === 2, LIVE_MS);
    await eventually(() => current()?.bytesIn === 15, LIVE_MS);
    assert.deepEqual(
      current()?.visitors.map((v) => [v.address, v.connected, v.bytesIn, v.latched]),
      [
        ["127.0.0.2", true, 2, true],
        ["127.0.0.2", false, 13, true],
      ],
      "newest first; the one who left keeps its figures",
    );
    second.destroy();
    await core.disconnect({ connectionId: opened.value.id });
    assert.ok(
      current()?.visitors.every((v) => !v.connected),
      "a closed connection has no one on it",
    );
  });

  it("lists a public proxy's visitors from two addresses, none latched", async () => {
    const { core } = await liveCore();
    const opened = await connectOrFail(stack.user, stack.agent.serviceId("shell"), "0.0.0.0");
    await eventually(() => connectionOf(core.snapshot(), opened.id) !== undefined, LIVE_MS);
    const port = opened.port as number;
    const a = await connectFrom(port, "127.0.0.2");
    const b = await connectFrom(port, "127.0.0.3");
    await echo(a, "aaa");
    await echo(b, "bbbbbb");
    const current = () => connectionOf(core.snapshot(), opened.id);
    await eventually(() => current()?.bytesIn === 9 && current()?.bytesOut === 9, LIVE_MS);
    assert.deepEqual(
      current()
        ?.visitors.map((v) => [v.address, v.bytesIn, v.latched, v.connected])
        .sort(),
      [
        ["127.0.0.2", 3, false, true],
        ["127.0.0.3", 6, false, true],
      ],
    );
    assert.equal(current()?.latchedIP, null);
    a.destroy();
    b.destroy();
  });
});

/** Writes text and waits for the echo target to send it all back. */
function echo(socket: import("node:net").Socket, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = "";
    const onData = (chunk: Buffer) => {
      got += chunk.toString();
      if (got.length >= text.length) {
        socket.off("data", onData);
        resolve();
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.write(text);
  });
}
