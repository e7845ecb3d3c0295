// The Electron shell: lifecycle, tray, window and IPC around the Electron-free desktop
// core. Every behaviour lives in the core; this file only wires Electron to it.
import { join } from "node:path";
import { app, BrowserWindow, nativeTheme, powerMonitor } from "electron";
import type { DesktopEvent } from "../../common/desktop-api.js";
import { IPC_EVENT_CHANNEL } from "../../common/desktop-ipc.js";
import { DesktopCore } from "../core/desktop-core.js";
import { runNoticeAction } from "../core/notice-actions.js";
import { runTrayAction } from "../core/tray-actions.js";
import type { TrayAction } from "../core/tray-menu.js";
import { windowBackground } from "../core/window-theme.js";
import { registerAppScheme, serveRenderer } from "./app-protocol.js";
import { type E2eHooks, installE2eHooks } from "./e2e-hooks.js";
import { createElectronHost } from "./electron-host.js";
import { registerIpcHandlers } from "./ipc-handlers.js";
import { createPanel } from "./panel.js";
import { SafeStorageVault } from "./safe-storage-vault.js";
import { createTray } from "./tray.js";
import { createWindow } from "./window.js";

// This file is bundled to dist/electron/main.cjs (CommonJS, so __dirname exists); the
// renderer build and the assets are found relative to it.
const ROOT = join(__dirname, "..", "..");
const dataDir = process.env.REACH_DATA_DIR ?? join(app.getPath("userData"));
let window: BrowserWindow | null = null;
let quitting = false;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  app.on("second-instance", () => showWindow());
  app.on("before-quit", () => {
    quitting = true;
  });
  // A tray app stays alive with every window closed.
  app.on("window-all-closed", () => {});
  app.whenReady().then(start, (error: unknown) => {
    console.error(error);
    app.exit(1);
  });
}

function quit(): void {
  quitting = true;
  app.quit();
}

function showWindow(): void {
  if (!window || window.isDestroyed()) {
    window = createWindow(join(__dirname, "preload.cjs"));
    window.on("close", (event) => {
      if (!quitting) {
        event.preventDefault();
        window?.hide();
      }
    });
  }
  window.show();
  window.focus();
}

async function start(): Promise<void> {
  if (process.platform === "darwin") app.dock?.hide();
  // The page follows the OS's light or dark (prefers-color-scheme); so do the windows'
  // backgrounds, which show before the page paints.
  nativeTheme.themeSource = "system";
  nativeTheme.on("updated", () => {
    const colour = windowBackground(nativeTheme.shouldUseDarkColors);
    for (const each of BrowserWindow.getAllWindows()) each.setBackgroundColor(colour);
  });
  serveRenderer(join(ROOT, "dist", "renderer"));
  let hooks: E2eHooks | null = null;
  // A notification's "Connect again" runs on the core made just below.
  const host = createElectronHost(
    (action) => void runNoticeAction(core, action),
    (notice) => hooks?.notices.push(notice),
  );
  const core = new DesktopCore({
    vault: new SafeStorageVault(join(dataDir, "credentials.sealed")),
    host,
    // "This computer" and on-demand connections keep their lists here.
    dataDir,
  });
  registerIpcHandlers(core);
  const panel = createPanel(join(__dirname, "preload.cjs"));
  const shell = {
    // Open Reach: the full window takes over from the panel.
    showWindow: () => {
      panel.hide();
      showWindow();
    },
    quit,
    notify: (title: string, body: string) => host.notify(title, body),
  };
  const onTrayAction = (action: TrayAction) => void runTrayAction(core, shell, action);
  const tray = createTray(join(ROOT, "assets"), onTrayAction, (icon) => panel.toggle(icon));
  hooks = installE2eHooks({
    trayItems: () => tray.items(),
    trayIcon: () => tray.icon(),
    clickTray: () => tray.click(),
    runTrayAction: onTrayAction,
  });
  core.subscribe((event: DesktopEvent) => {
    if (event.type === "state") tray.update(event.state);
    for (const shown of [window, panel.window()]) {
      if (shown && !shown.isDestroyed()) shown.webContents.send(IPC_EVENT_CHANNEL, event);
    }
  });
  await core.start();
  const profile = process.env.REACH_SIGN_IN_PROFILE;
  if (profile && !core.snapshot().session.signedIn) {
    // Nobody watches a start-up sign-in: a refusal would otherwise leave the app silently
    // signed out.
    const signedIn = await core.importProfile({ name: profile });
    if (!signedIn.ok) host.notify("Sign-in failed", signedIn.error.message);
  }
  tray.update(core.snapshot());
  setInterval(() => tray.update(core.snapshot()), 60_000);
  // Waking from sleep: connections may have expired or closed meanwhile.
  powerMonitor.on("resume", () => void core.sync().catch(() => {}));
  showWindow();
}
