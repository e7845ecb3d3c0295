// The Electron shell end to end against a real local broker and agent: the sandboxed
// window, the tray's items, the login item and notifications. Runs wherever an Electron
// binary and a display exist; elsewhere every test is skipped, saying why.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ElectronApplication, _electron as electron, type Page } from "playwright-core";
import { desktopApiInputs } from "../common/desktop-api.js";
import type { TrayItem } from "../main/core/tray-menu.js";
import { AUTOSTART_FILE } from "../main/core/xdg-autostart.js";
import type { E2eHooks } from "../main/electron/e2e-hooks.js";
import { ensureRendererBuilt } from "../main/headless/renderer-build.js";
import { buildElectronBundles } from "../main/launcher/electron-build.js";
import { electronUnavailableReason } from "../main/launcher/electron-launcher.js";
import { eventually, startStack, type TestStack, tempDir } from "../test-support/stack.js";

const reason = await electronUnavailableReason();
const skip = reason ?? false;

/** Every label of a menu and its submenus, depth first. */
function labels(items: TrayItem[]): string[] {
  return items.flatMap((item) => [item.label ?? "", ...labels(item.submenu ?? [])]);
}

describe("Electron shell", () => {
  let stack: TestStack | undefined;
  let app: ElectronApplication | undefined;
  let window: Page;
  let configHome = "";

  /** The hooks main/electron/e2e-hooks.ts installs in the main process under REACH_E2E=1. */
  const hooks = <T>(read: (hooks: E2eHooks) => T): Promise<T> => {
    if (!app) throw new Error("the shell is not running");
    return app.evaluate((_electron, source) => {
      const read = new Function("hooks", `return (${source})(hooks)`);
      return read((globalThis as Record<string, unknown>).__reachE2e);
    }, read.toString()) as Promise<T>;
  };

  before(async () => {
    if (reason) return;
    // Public connections expire in 20 s here, so the expiry notification comes in the test.
    stack = await startStack({
      users: ["electron@example.com"],
      services: [{ name: "shell", application: 28, target: "echo" }],
      settings: { timeout: 20 },
    });
    await ensureRendererBuilt();
    const { main } = await buildElectronBundles();
    const require = createRequire(import.meta.url);
    configHome = await tempDir("reach-electron-config-");
    app = await electron.launch({
      executablePath: require("electron") as string,
      args: [main],
      env: {
        ...process.env,
        REACH_DATA_DIR: await tempDir("reach-electron-"),
        REACH_E2E: "1",
        XDG_CONFIG_HOME: configHome,
      },
    });
    window = await app.firstWindow();
  });

  after(async () => {
    await app?.close();
    await stack?.stop();
  });

  it("opens a sandboxed window that signs in and shows services", { skip }, async () => {
    if (!stack) throw new Error("no stack");
    // Isolated and without Node: the page sees the preload's DesktopApi and nothing else.
    const exposed = await window.evaluate(() => ({
      node: typeof (globalThis as { require?: unknown; process?: unknown }).require,
      methods: Object.keys((globalThis as { reach?: object }).reach ?? {}).sort(),
    }));
    assert.equal(exposed.node, "undefined");
    assert.deepEqual(exposed.methods, [...Object.keys(desktopApiInputs), "onEvent"].sort());
    await window.getByLabel("Broker API URL").fill(stack.broker.apiUrl);
    await window.getByLabel("Access key ID").fill(stack.user.credentials.accessKeyId);
    await window.getByLabel("Secret access key").fill(stack.user.credentials.secretAccessKey);
    await window.getByRole("button", { name: "Sign in" }).click();
    await window.getByText("electron@example.com").first().waitFor();
  });

  it("shows the account, devices and saved connections in the tray", { skip }, async () => {
    if (!stack) throw new Error("no stack");
    const serviceId = stack.agent.serviceId("shell");
    const added = await window.evaluate(
      (id) =>
        (
          globalThis as unknown as {
            reach: { addOnDemand(input: object): Promise<{ ok: boolean }> };
          }
        ).reach.addOnDemand({ serviceId: id, route: "adaptive", name: "my shell" }),
      serviceId,
    );
    assert.ok(added.ok, JSON.stringify(added));
    await eventually(async () =>
      labels(await hooks((h) => h.trayItems())).some((label) => label.includes("my shell")),
    );
    const shown = labels(await hooks((h) => h.trayItems()));
    assert.ok(
      shown.some((label) => label.includes("electron@example.com")),
      shown.join(" | "),
    );
    assert.ok(
      shown.some((label) => label.startsWith("shell")),
      shown.join(" | "),
    );
  });

  it("sets the login item from Settings", { skip }, async () => {
    const saved = await window.evaluate(() =>
      (
        globalThis as unknown as {
          reach: { setSettings(input: object): Promise<{ ok: boolean }> };
        }
      ).reach.setSettings({ openAtLogin: true }),
    );
    assert.ok(saved.ok, JSON.stringify(saved));
    if (process.platform === "linux") {
      assert.ok(existsSync(join(configHome, "autostart", AUTOSTART_FILE)));
    } else {
      const settings = await app?.evaluate(({ app }) => app.getLoginItemSettings());
      assert.equal(settings?.openAtLogin, true);
    }
  });

  it("notifies when a connection expires, with Connect again", { skip }, async () => {
    if (!stack) throw new Error("no stack");
    const serviceId = stack.agent.serviceId("shell");
    const made = await window.evaluate(
      (id) =>
        (
          globalThis as unknown as {
            reach: { connect(input: object): Promise<{ ok: boolean }> };
          }
        ).reach.connect({ serviceId: id, hostIP: "0.0.0.0" }),
      serviceId,
    );
    assert.ok(made.ok, JSON.stringify(made));
    await eventually(
      async () =>
        (await hooks((h) => h.notices)).some(
          (notice) => notice.title === "Connection expired" && notice.action !== undefined,
        ),
      40_000,
    );
  });
});
