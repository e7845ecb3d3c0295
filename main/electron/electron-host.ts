// HostServices backed by Electron: the main-process clipboard, the shell, a terminal,
// notifications, and the login item.
import { app, clipboard, Notification, shell } from "electron";
import { externalUrl, type NoticeAction } from "../../common/desktop-api.js";
import type { HostServices } from "../core/host-services.js";
import { runInTerminal } from "../core/terminal-launcher.js";
import { setXdgAutostart } from "../core/xdg-autostart.js";

/**
 * The host for one core. A notification's action runs through `onAction` when the user
 * clicks it (or its button, where the platform draws one); `notified` sees every
 * notification, for the Electron end-to-end spec (e2e-hooks.ts).
 */
export function createElectronHost(
  onAction: (action: NoticeAction) => void,
  notified?: (notice: { title: string; body: string; action?: NoticeAction }) => void,
): HostServices {
  return {
    async copyText(text) {
      clipboard.writeText(text);
      return true;
    },
    async openExternal(url) {
      // The core has already checked the scheme (DesktopCore.openExternal); checked again here
      // so that nothing reaches the system's URL opener without passing externalUrl().
      const href = externalUrl(url);
      if (href === null) return false;
      await shell.openExternal(href);
      return true;
    },
    async runInTerminal(command, terminal) {
      await runInTerminal(command, { terminal });
      return true;
    },
    notify(title, body, action) {
      notified?.({ title, body, action });
      if (!Notification.isSupported()) return;
      const notification = new Notification({
        title,
        body,
        // Buttons exist on macOS only; a click on the notification does the same elsewhere.
        actions: action ? [{ type: "button", text: action.label }] : [],
      });
      if (action) {
        notification.on("click", () => onAction(action));
        notification.on("action", () => onAction(action));
      }
      notification.show();
    },
    async setOpenAtLogin(enabled) {
      if (process.platform === "linux") {
        // Electron keeps no login item on Linux; the desktop's autostart folder is the way.
        // A packaged AppImage runs from a mount that changes each run: start the file itself.
        const command = process.env.APPIMAGE
          ? [process.env.APPIMAGE]
          : app.isPackaged
            ? [process.execPath]
            : [process.execPath, app.getAppPath()];
        await setXdgAutostart(enabled, command);
        return true;
      }
      app.setLoginItemSettings({ openAtLogin: enabled });
      return true;
    },
  };
}
