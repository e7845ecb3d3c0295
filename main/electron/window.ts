// The app's windows, the full one and the tray panel: both sandboxed, isolated, no Node, no
// navigation away, no new windows, no middle-click, no web permissions; links go to the
// system browser only if externalUrl() allows them. Both load the same page; the panel's
// address says ?view=panel so the page may lay itself out compactly.
import {
  BrowserWindow,
  type BrowserWindowConstructorOptions,
  nativeTheme,
  type Session,
  shell,
} from "electron";
import { externalUrl } from "../../common/desktop-api.js";
import { windowBackground } from "../core/window-theme.js";
import { APP_URL, isAppUrl } from "./app-url.js";

export const PANEL_URL = `${APP_URL}?view=panel`;
export const PANEL_SIZE = { width: 380, height: 600 };

export function createWindow(preload: string): BrowserWindow {
  const window = createAppWindow(preload, APP_URL, {
    width: 420,
    height: 640,
    minWidth: 360,
    minHeight: 480,
    title: "Reach",
  });
  window.once("ready-to-show", () => window.show());
  return window;
}

/** The frameless panel by the tray icon; panel.ts places, shows and hides it. */
export function createPanelWindow(preload: string): BrowserWindow {
  return createAppWindow(preload, PANEL_URL, {
    ...PANEL_SIZE,
    title: "Reach",
    frame: false,
    resizable: false,
    movable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    skipTaskbar: true,
    alwaysOnTop: true,
  });
}

function createAppWindow(
  preload: string,
  url: string,
  options: Omit<BrowserWindowConstructorOptions, "webPreferences" | "show">,
): BrowserWindow {
  const window = new BrowserWindow({
    ...options,
    show: false,
    backgroundColor: windowBackground(nativeTheme.shouldUseDarkColors),
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      // Middle-click (auxclick) on a link would otherwise bypass the click handlers.
      disableBlinkFeatures: "Auxclick",
    },
  });
  denyPermissions(window.webContents.session);
  window.webContents.on("will-navigate", (event, target) => {
    if (!isAppUrl(target)) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url: target }) => {
    const href = externalUrl(target);
    if (href !== null) shell.openExternal(href).catch(() => {});
    return { action: "deny" };
  });
  void window.loadURL(url);
  return window;
}

/**
 * The page needs no web permission (camera, notifications, clipboard, geolocation, HID…):
 * notifications and the clipboard go through the main process. Every request and every
 * check is refused, and so is every device.
 */
function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
