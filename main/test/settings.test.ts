// The settings file and setSettings, on a real data directory: a damaged file means the
// defaults and a sentence naming it, the file left alone; a save is whole or not at all;
// a bad change is refused with a sentence and saves nothing; open at login goes through
// the host; and a new on-demand connection takes the default route and idle timeout
// (against a real broker and agent).
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULT_SETTINGS } from "../../common/desktop-settings.js";
import { RecordingHost } from "../../test-support/recording-host.js";
import { startStack, type TestStack, tempDir } from "../../test-support/stack.js";
import { dispatch } from "../core/api-dispatch.js";
import { DesktopCore, type DesktopCoreOptions } from "../core/desktop-core.js";
import { SETTINGS_FILE, SettingsStore } from "../core/settings-store.js";
import { FileVault } from "../core/vault/file-vault.js";

/** A host like a server's: no login item to set. */
class NoLoginItemHost extends RecordingHost {
  override async setOpenAtLogin(enabled: boolean): Promise<boolean> {
    this.openAtLogin.push(enabled);
    return false;
  }
}

async function coreIn(
  dataDir: string,
  extra: Partial<DesktopCoreOptions> & { host?: RecordingHost } = {},
) {
  const host = extra.host ?? new RecordingHost();
  const core = new DesktopCore({
    vault: new FileVault(join(dataDir, "vault.json")),
    host,
    dataDir,
    syncIntervalMs: 60_000,
    ...extra,
  });
  await core.start();
  return { core, host };
}

describe("settings file", () => {
  it("is absent at first: the defaults, and no problem", async () => {
    const dir = await tempDir("reach-settings-");
    const { core } = await coreIn(dir);
    try {
      assert.deepEqual(core.snapshot().settings, DEFAULT_SETTINGS);
      assert.equal(core.snapshot().settingsProblem, null);
    } finally {
      await core.stop();
    }
  });

  for (const [what, text, why] of [
    ["bad JSON", '{"openAtLogin": true,', /is not valid JSON/],
    ["a wrong type", '{"defaultIdleTimeoutMinutes": "15"}\n', /defaultIdleTimeoutMinutes is wrong/],
    ["a route that does not exist", '{"defaultRoute": "carrier-pigeon"}', /defaultRoute is wrong/],
    ["a list instead of an object", "[]", /the top level is wrong/],
  ] as const) {
    it(`with ${what}: the defaults, a sentence naming the file, and the file left as it is`, async () => {
      const dir = await tempDir("reach-settings-");
      const file = join(dir, SETTINGS_FILE);
      await writeFile(file, text);
      const { core } = await coreIn(dir);
      try {
        const state = core.snapshot();
        assert.deepEqual(state.settings, DEFAULT_SETTINGS);
        assert.ok(state.settingsProblem?.includes(file), state.settingsProblem ?? "no problem");
        assert.match(state.settingsProblem ?? "", why);
        assert.match(state.settingsProblem ?? "", /defaults apply until the settings are saved/);
        assert.equal(await readFile(file, "utf8"), text, "the damaged file is not touched");
        // The next save replaces it, and the problem is gone.
        const saved = await core.setSettings({ headlessLan: true });
        assert.ok(saved.ok, JSON.stringify(saved));
        assert.equal(saved.value.settingsProblem, null);
        assert.deepEqual(JSON.parse(await readFile(file, "utf8")), {
          ...DEFAULT_SETTINGS,
          headlessLan: true,
        });
      } finally {
        await core.stop();
      }
    });
  }

  it("reads a file from an older version: missing fields take their defaults", async () => {
    const dir = await tempDir("reach-settings-");
    await writeFile(
      join(dir, SETTINGS_FILE),
      JSON.stringify({ openAtLogin: true, notifications: { devices: false }, someday: 1 }),
    );
    const loaded = await new SettingsStore(join(dir, SETTINGS_FILE)).load();
    assert.equal(loaded.problem, null);
    assert.deepEqual(loaded.settings, {
      ...DEFAULT_SETTINGS,
      openAtLogin: true,
      notifications: { ...DEFAULT_SETTINGS.notifications, devices: false },
    });
  });

  it("saves atomically: the file parses, no temporary file is left, and a restart reads it", async () => {
    const dir = await tempDir("reach-settings-");
    const { core } = await coreIn(dir);
    const change = {
      defaultRoute: "p2p",
      defaultIdleTimeoutMinutes: 0,
      notifications: { expiring: false },
      terminal: "sh -c",
    } as const;
    const saved = await core.setSettings(change);
    await core.stop();
    assert.ok(saved.ok, JSON.stringify(saved));
    const expected = {
      ...DEFAULT_SETTINGS,
      ...change,
      notifications: { ...DEFAULT_SETTINGS.notifications, expiring: false },
    };
    assert.deepEqual(saved.value.settings, expected);
    assert.deepEqual(
      await readdir(dir).then((names) => names.filter((n) => n.endsWith(".tmp"))),
      [],
    );
    assert.deepEqual(JSON.parse(await readFile(join(dir, SETTINGS_FILE), "utf8")), expected);
    const restarted = (await coreIn(dir)).core;
    try {
      assert.deepEqual(restarted.snapshot().settings, expected);
    } finally {
      await restarted.stop();
    }
  });

  it("a save that cannot complete changes nothing and leaves no temporary file", async () => {
    const dir = await tempDir("reach-settings-");
    const { core } = await coreIn(dir);
    try {
      // A directory where the file should be: the rename over it fails after the write.
      await mkdir(join(dir, SETTINGS_FILE, "in-the-way"), { recursive: true });
      const refused = await core.setSettings({ headlessLan: true });
      assert.ok(!refused.ok);
      assert.equal(refused.error.code, "INTERNAL");
      assert.match(
        refused.error.message,
        /The settings could not be saved to .*desktop-settings\.json/,
      );
      assert.equal(core.snapshot().settings.headlessLan, false, "not applied either");
      assert.deepEqual(
        await readdir(dir).then((names) => names.filter((n) => n.endsWith(".tmp"))),
        [],
      );
    } finally {
      await core.stop();
    }
  });
});

describe("setSettings", () => {
  it("refuses a bad value with a sentence, and saves and applies nothing", async () => {
    const dir = await tempDir("reach-settings-");
    const { core, host } = await coreIn(dir);
    try {
      const cases: [unknown, RegExp][] = [
        [{ defaultIdleTimeoutMinutes: -1 }, /defaultIdleTimeoutMinutes is wrong/],
        [{ defaultIdleTimeoutMinutes: 1.5 }, /defaultIdleTimeoutMinutes is wrong/],
        [{ defaultRoute: "fast" }, /defaultRoute is wrong/],
        [{ colour: "red" }, /Unrecognized key/],
        [
          { openAtLogin: true, terminal: "no-such-terminal-reach --" },
          /no-such-terminal-reach is not on PATH/,
        ],
        [
          { terminal: "/no/such/dir/xterm -e" },
          /\/no\/such\/dir\/xterm does not exist or cannot be run/,
        ],
        [{ terminal: "bin/xterm" }, /relative path/],
      ];
      for (const [change, why] of cases) {
        // Straight to the core (the tray and tests call it so) …
        const direct = await core.setSettings(change as never);
        assert.ok(!direct.ok, `${JSON.stringify(change)} was accepted`);
        assert.equal(direct.error.code, "INVALID_INPUT");
        assert.match(direct.error.message, why);
      }
      // … and the way the window's calls come, through the contract's dispatch.
      const viaDispatch = await dispatch(core, "setSettings", { defaultIdleTimeoutMinutes: "5" });
      assert.ok(!viaDispatch.ok && viaDispatch.error.code === "INVALID_INPUT");
      assert.deepEqual(await readdir(dir).then((names) => names.includes(SETTINGS_FILE)), false);
      assert.deepEqual(core.snapshot().settings, DEFAULT_SETTINGS);
      assert.deepEqual(host.openAtLogin, [], "a refused change applies nothing");
    } finally {
      await core.stop();
    }
  });

  it("applies open at login through the host, and says when the host has no login item", async () => {
    const dir = await tempDir("reach-settings-");
    const { core, host } = await coreIn(dir);
    try {
      const on = await core.setSettings({ openAtLogin: true });
      assert.ok(on.ok && on.value.settings.openAtLogin && on.value.settingsNote === null);
      const off = await core.setSettings({ openAtLogin: false });
      assert.ok(off.ok && !off.value.settings.openAtLogin);
      const other = await core.setSettings({ defaultRoute: "proxy" });
      assert.ok(other.ok);
      assert.deepEqual(host.openAtLogin, [true, false]);
    } finally {
      await core.stop();
    }
    const headless = await coreIn(await tempDir("reach-settings-"), {
      host: new NoLoginItemHost(),
    });
    try {
      const on = await headless.core.setSettings({ openAtLogin: true });
      assert.ok(on.ok);
      assert.equal(on.value.settings.openAtLogin, true, "kept for when the app runs elsewhere");
      assert.match(on.value.settingsNote ?? "", /no login item/);
    } finally {
      await headless.core.stop();
    }
  });

  it("says that headless LAN takes effect at the next start", async () => {
    const dir = await tempDir("reach-settings-");
    const { core } = await coreIn(dir, { headlessLanNow: false });
    try {
      assert.equal(core.snapshot().settingsNote, null);
      const lan = await core.setSettings({ headlessLan: true });
      assert.ok(lan.ok);
      assert.match(lan.value.settingsNote ?? "", /every address from its next start/);
      const back = await core.setSettings({ headlessLan: false });
      assert.ok(back.ok && back.value.settingsNote === null);
    } finally {
      await core.stop();
    }
  });

  it("without a data directory there is nowhere to keep them", async () => {
    const core = new DesktopCore({
      vault: new FileVault(join(await tempDir("reach-settings-"), "vault.json")),
      host: new RecordingHost(),
    });
    const refused = await core.setSettings({ headlessLan: true });
    assert.ok(!refused.ok && /without a data directory/.test(refused.error.message));
  });
});

describe("settings' defaults for new on-demand connections", () => {
  let stack: TestStack;

  before(async () => {
    stack = await startStack({
      users: ["defaults@example.com"],
      services: [
        { name: "shell", application: 28, target: "echo" },
        { name: "web", application: 7, target: "web" },
      ],
      agent: { p2pBindAddress: "127.0.0.1" },
    });
  });

  after(() => stack?.stop());

  it("takes the default route and idle timeout; web services start public; given values win", async () => {
    const dir = await tempDir("reach-settings-od-");
    const { core } = await coreIn(dir, { p2pBindAddress: "127.0.0.1" });
    try {
      const signedIn = await core.signIn({
        apiUrl: stack.broker.apiUrl,
        accessKeyId: stack.user.credentials.accessKeyId,
        secretAccessKey: stack.user.credentials.secretAccessKey,
      });
      assert.ok(signedIn.ok, JSON.stringify(signedIn));
      const shell = stack.agent.serviceId("shell");
      const plain = await core.addOnDemand({ serviceId: shell });
      assert.ok(plain.ok, JSON.stringify(plain));
      assert.equal(plain.value.route, "adaptive");
      assert.equal(plain.value.idleTimeout, DEFAULT_SETTINGS.defaultIdleTimeoutMinutes * 60);

      assert.ok(
        (await core.setSettings({ defaultRoute: "proxy", defaultIdleTimeoutMinutes: 5 })).ok,
      );
      const defaulted = await core.addOnDemand({ serviceId: shell });
      assert.ok(defaulted.ok, JSON.stringify(defaulted));
      assert.equal(defaulted.value.route, "proxy");
      assert.equal(defaulted.value.idleTimeout, 300);

      const given = await core.addOnDemand({ serviceId: shell, route: "p2p", idleTimeout: 60 });
      assert.ok(given.ok && given.value.route === "p2p" && given.value.idleTimeout === 60);
      const oldSwitches = await core.addOnDemand({ serviceId: shell, failover: false });
      assert.ok(
        oldSwitches.ok && oldSwitches.value.route === "p2p",
        "--no-failover still means P2P only",
      );

      const web = await core.addOnDemand({ serviceId: stack.agent.serviceId("web") });
      assert.ok(web.ok, JSON.stringify(web));
      assert.equal(web.value.route, "public");
    } finally {
      await core.stop();
    }
  });
});
