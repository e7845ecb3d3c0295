// The app window: sandboxed, isolated, no Node, no navigation away, no new windows;
// links go to the system browser only if their scheme is allowed.
import { BrowserWindow, shell } from "electron";
import { EXTERNAL_SCHEMES } from "../../common/desktop-api.js";
import { APP_ORIGIN, APP_URL } from "./app-protocol.js";

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
    },
  });
  window.webContents.on("will-navigate", (event, url) => {
    if (new URL(url).origin !== APP_ORIGIN) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    try {
      if (EXTERNAL_SCHEMES.includes(new URL(url).protocol)) void shell.openExternal(url);
    } catch {
      // not a URL: nothing to open
    }
    return { action: "deny" };
  });
  window.once("ready-to-show", () => window.show());
  void window.loadURL(APP_URL);
  return window;
}
