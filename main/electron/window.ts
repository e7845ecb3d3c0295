// The app window: sandboxed, isolated, no Node, no navigation away, no new windows, no
// middle-click, no web permissions; links go to the system browser only if externalUrl()
// allows them.
import { BrowserWindow, type Session, shell } from "electron";
import { externalUrl } from "../../common/desktop-api.js";
import { APP_URL, isAppUrl } from "./app-url.js";

export function createWindow(preload: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 420,
    height: 640,
    minWidth: 360,
    minHeight: 480,
    show: false,
    title: "Reach",
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
  window.webContents.on("will-navigate", (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    const href = externalUrl(url);
    if (href !== null) shell.openExternal(href).catch(() => {});
    return { action: "deny" };
  });
  window.once("ready-to-show", () => window.show());
  void window.loadURL(APP_URL);
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
