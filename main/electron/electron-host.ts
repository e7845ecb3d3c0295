// HostServices backed by Electron: the main-process clipboard, the shell, notifications,
// and the login item.
import { app, clipboard, Notification, shell } from "electron";
import { externalUrl } from "../../common/desktop-api.js";
import type { HostServices } from "../core/host-services.js";

export const electronHost: HostServices = {
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
  notify(title, body) {
    if (Notification.isSupported()) new Notification({ title, body }).show();
  },
  async setOpenAtLogin(enabled) {
    // macOS and Windows keep a login item; on Linux Electron has none (autostart files are
    // the desktop's business), so say the host could not rather than pretend.
    if (process.platform === "linux") return false;
    app.setLoginItemSettings({ openAtLogin: enabled });
    return true;
  },
};
