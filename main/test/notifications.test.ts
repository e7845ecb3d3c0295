// Which notifications the desktop core shows, and how often: "expires in 10 minutes" and
// "expired" (with Connect again, which works) on a controllable clock, "closed" for a
// connection the broker ended as idle, against a real broker and agent; then the
// notifier's rules on states the core pushes (first sight is not news, each setting
// silences its kind, an on-demand connection that failed). Devices going offline and
// coming back are in live-sync.test.ts, where they travel as real events.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import type { ConnectionState, DesktopState } from "../../common/desktop-api.js";
import { DEFAULT_SETTINGS, type DesktopSettings } from "../../common/desktop-settings.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { RecordingHost } from "../../test-support/recording-host.js";
import {
  eventually,
  startStack,
  type TestStack,
  tempDir,
  withStack,
} from "../../test-support/stack.js";
import { DesktopCore } from "../core/desktop-core.js";
import { EXPIRING_WARNING_MS, Notifier } from "../core/notifier.js";
import { FileVault } from "../core/vault/file-vault.js";
import { state as sample } from "./sample-state.js";

const HOUR_S = 3600;

describe("notifications from a real broker", () => {
  let stack: TestStack;
  let dir: string;
  const cores: DesktopCore[] = [];

  before(async () => {
    stack = await startStack({
      settings: { timeout: HOUR_S, idleTimeout: 0 },
      users: ["notify@example.com"],
      services: [{ name: "shell", application: 28, target: "echo" }],
    });
    dir = await tempDir("reach-notify-");
  });

  afterEach(async () => {
    for (const core of cores.splice(0)) await core.stop();
  });

  after(() => stack?.stop());

  function makeCore(
    apiUrl: string,
    credentials: { accessKeyId: string; secretAccessKey: string },
    clock?: ManualClock,
  ) {
    const host = new RecordingHost();
    const core = new DesktopCore({
      vault: new FileVault(join(dir, `vault-${cores.length}-${Date.now()}.json`)),
      host,
      clock,
      syncIntervalMs: 3_600_000,
    });
    cores.push(core);
    return { core, host, signIn: () => core.signIn({ apiUrl, ...credentials }) };
  }

  it("says a connection expires in 10 minutes, then that it expired, once each; Connect again works", async () => {
    const clock = new ManualClock();
    const { core, host, signIn } = makeCore(stack.broker.apiUrl, stack.user.credentials, clock);
    assert.ok((await signIn()).ok);
    const shellId = stack.agent.serviceId("shell");
    const opened = await core.connect({ serviceId: shellId, hostIP: "0.0.0.0" });
    assert.ok(opened.ok, JSON.stringify(opened));
    if (!opened.ok) return;
    const { expiresAt, address } = opened.value;
    const mine = () => host.notices.filter((n) => n.body.includes(address));

    clock.advance(expiresAt - EXPIRING_WARNING_MS - clock.now() - 1_000);
    assert.deepEqual(mine(), [], "not yet");
    clock.advance(1_000);
    assert.deepEqual(mine(), [
      {
        title: "Connection expires in 10 minutes",
        body: `shell (${address}) closes in 10 minutes.`,
        action: undefined,
      },
    ]);
    clock.advance(5 * 60_000);
    assert.equal(mine().length, 1, "warned once");

    clock.advance(5 * 60_000);
    assert.deepEqual(mine().slice(1), [
      {
        title: "Connection expired",
        body: `shell (${address}) has reached its time limit.`,
        action: { label: "Connect again", kind: "connect", serviceId: shellId, hostIP: "0.0.0.0" },
      },
    ]);
    await core.refresh();
    clock.advance(60_000);
    assert.equal(mine().length, 2, "nothing more about it");

    const action = mine()[1]?.action;
    assert.ok(action?.kind === "connect");
    const again = await core.connect({ serviceId: action.serviceId, hostIP: action.hostIP });
    // The broker made a new connection (this core's clock is an hour ahead of it, so the
    // tracker already counts it expired: the point here is that the action connects).
    assert.ok(again.ok && again.value.id !== opened.value.id, JSON.stringify(again));
  });

  it("says a connection the broker closed as idle ended, with Connect again", () =>
    withStack(
      {
        settings: { idleTimeout: 1 },
        users: ["idle@example.com"],
        services: [{ name: "shell", application: 28, target: "echo" }],
      },
      async (idle) => {
        const { core, host, signIn } = makeCore(idle.broker.apiUrl, idle.user.credentials);
        assert.ok((await signIn()).ok);
        await eventually(() => core.snapshot().live.mode === "events");
        const shellId = idle.agent.serviceId("shell");
        const opened = await core.connect({ serviceId: shellId, hostIP: "0.0.0.0" });
        assert.ok(opened.ok, JSON.stringify(opened));
        if (!opened.ok) return;
        await eventually(
          () =>
            core.snapshot().connections.find((c) => c.id === opened.value.id)?.status === "closed",
          5_000,
        );
        await core.stop();
        assert.deepEqual(host.notices, [
          {
            title: "Connection closed",
            body: `shell (${opened.value.address}) was idle too long.`,
            action: {
              label: "Connect again",
              kind: "connect",
              serviceId: shellId,
              hostIP: "0.0.0.0",
            },
          },
        ]);
      },
    ));
});

describe("the notifier's rules", () => {
  const device = sample.devices[0];
  assert.ok(device);
  const service = device.services[0];
  assert.ok(service);

  function connection(status: ConnectionState["status"], expiresAt: number): ConnectionState {
    return {
      id: "C1",
      serviceId: service?.id ?? "",
      serviceName: "shell",
      deviceName: device?.name ?? "",
      address: "127.0.0.1:40001",
      url: "",
      reverseProxy: false,
      hostIP: "255.255.255.255",
      created: new Date(expiresAt - HOUR_S * 1000).toISOString(),
      expiresAt,
      timeout: HOUR_S,
      status,
      visitors: [],
      latchedIP: null,
      bytesIn: 0,
      bytesOut: 0,
    };
  }

  function setup() {
    const clock = new ManualClock();
    const host = new RecordingHost();
    const settings: DesktopSettings["notifications"] = { ...DEFAULT_SETTINGS.notifications };
    const notifier = new Notifier({
      clock,
      notify: (title, body, action) => host.notify(title, body, action),
      settings: () => settings,
    });
    const view = (
      connections: ConnectionState[],
      online = true,
      onDemand: DesktopState["onDemand"] = [],
    ) => ({
      devices: [{ ...(device as DesktopState["devices"][number]), online }],
      connections,
      onDemand,
    });
    return { clock, host, settings, notifier, view };
  }

  it("says nothing about what it finds on first sight", () => {
    const { clock, host, notifier, view } = setup();
    notifier.observe(view([connection("expired", clock.now() - 1)], false));
    notifier.observe(view([connection("expired", clock.now() - 1)], false));
    assert.deepEqual(host.notifications, []);
  });

  it("obeys each setting at the moment it would speak", () => {
    const { clock, host, settings, notifier, view } = setup();
    const expiresAt = clock.now() + HOUR_S * 1000;
    notifier.observe(view([connection("active", expiresAt)]));
    settings.expiring = false;
    clock.advance(HOUR_S * 1000 - EXPIRING_WARNING_MS);
    settings.devices = false;
    notifier.observe(view([connection("active", expiresAt)], false));
    settings.ended = false;
    notifier.observe(view([connection("expired", expiresAt)], false));
    assert.deepEqual(host.notifications, [], "all three kinds switched off");

    settings.devices = true;
    notifier.observe(view([connection("expired", expiresAt)], true));
    assert.deepEqual(
      host.notifications,
      [],
      "no open connection: a device coming back is not news",
    );
  });

  it("says a device with an open connection went offline, and an on-demand connection failed", () => {
    const { host, notifier, view } = setup();
    const onDemand = sample.onDemand.filter((v) => v.serviceId === service?.id);
    assert.ok(onDemand.length > 0);
    notifier.observe(view([], true, onDemand));
    notifier.observe(view([], false, onDemand));
    const failed = onDemand.map((v) => ({
      ...v,
      status: "failed" as const,
      reason: "the device is offline",
    }));
    notifier.observe(view([], false, failed));
    notifier.observe(view([], false, failed));
    assert.deepEqual(
      host.notices.map((n) => [n.title, n.action?.kind]),
      [["Device offline", undefined], ...failed.map(() => ["Connection failed", "startOnDemand"])],
    );
  });
});
