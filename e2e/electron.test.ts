// The Electron shell end to end against a real local broker and agent: the sandboxed
// window, the tray panel, the tray's items and icon, the login item and notifications. Runs wherever an Electron
// binary and a display exist; elsewhere every test is skipped, saying why.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ElectronApplication, _electron as electron, type Page } from "playwright";
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

  /** The panel's window as the main process sees it, or null before its first opening. */
  const panelWindow = () => {
    if (!app) throw new Error("the shell is not running");
    return app.evaluate(({ BrowserWindow, screen }) => {
      const panel = BrowserWindow.getAllWindows().find((w) =>
        w.webContents.getURL().endsWith("?view=panel"),
      );
      if (!panel) return null;
      const bounds = panel.getBounds();
      return {
        visible: panel.isVisible(),
        resizable: panel.isResizable(),
        onTop: panel.isAlwaysOnTop(),
        bounds,
        workArea: screen.getDisplayMatching(bounds).workArea,
      };
    });
  };

  it("opens the panel on a tray click, by the tray, with the same page", { skip }, async () => {
    if (!app) throw new Error("the shell is not running");
    assert.equal(await panelWindow(), null, "the panel is made on first use");
    const opened = app.waitForEvent("window");
    await hooks((h) => h.clickTray());
    const panel = await opened;
    assert.ok(panel.url().endsWith("?view=panel"), panel.url());
    // The same page, signed in through the same core.
    await panel.getByText("electron@example.com").first().waitFor();
    await eventually(async () => (await panelWindow())?.visible === true);
    const shown = await panelWindow();
    if (!shown) throw new Error("no panel window");
    assert.equal(shown.resizable, false);
    assert.equal(shown.onTop, true);
    const { bounds, workArea } = shown;
    assert.ok(
      bounds.x >= workArea.x &&
        bounds.y >= workArea.y &&
        bounds.x + bounds.width <= workArea.x + workArea.width &&
        bounds.y + bounds.height <= workArea.y + workArea.height,
      `${JSON.stringify(bounds)} lies inside ${JSON.stringify(workArea)}`,
    );
  });

  it("hides the panel when it loses focus, and a click opens it again", { skip }, async () => {
    if (!app) throw new Error("the shell is not running");
    await app.evaluate(({ BrowserWindow }) => {
      for (const w of BrowserWindow.getAllWindows()) {
        if (w.webContents.getURL().endsWith("?view=panel")) w.blur();
      }
    });
    await eventually(async () => (await panelWindow())?.visible === false);
    // A click just after a blur counts as closing; retried until one opens it.
    await eventually(async () => {
      if ((await panelWindow())?.visible) return true;
      await hooks((h) => h.clickTray());
      return false;
    });
    await hooks((h) => h.clickTray());
    await eventually(async () => (await panelWindow())?.visible === false);
  });

  it("opens the full window from the tray's Open Reach", { skip }, async () => {
    if (!app) throw new Error("the shell is not running");
    const main = () =>
      app?.evaluate(({ BrowserWindow }) =>
        BrowserWindow.getAllWindows()
          .filter((w) => !w.webContents.getURL().endsWith("?view=panel"))
          .map((w) => w.isVisible()),
      );
    await app.evaluate(({ BrowserWindow }) => {
      for (const w of BrowserWindow.getAllWindows()) w.hide();
    });
    assert.deepEqual(await main(), [false]);
    const items = await hooks((h) => h.trayItems());
    assert.deepEqual(items.find((item) => item.label === "Open Reach")?.action, {
      kind: "show-window",
    });
    // From an open panel: the window takes over, the panel goes.
    await eventually(async () => {
      if ((await panelWindow())?.visible) return true;
      await hooks((h) => h.clickTray());
      return false;
    });
    await hooks((h) => h.runTrayAction({ kind: "show-window" }));
    await eventually(async () => (await main())?.[0] === true);
    assert.equal((await panelWindow())?.visible, false);
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
    // Signed in, a saved connection waiting for a program, nothing open: idle.
    assert.equal(await hooks((h) => h.trayIcon()), "idle");
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
    await eventually(async () => (await hooks((h) => h.trayIcon())) === "connected");
    await eventually(
      async () =>
        (await hooks((h) => h.notices)).some(
          (notice) => notice.title === "Connection expired" && notice.action !== undefined,
        ),
      40_000,
    );
  });
});
