// HostServices backed by Electron: the main-process clipboard, the shell, notifications.
import { clipboard, Notification, shell } from "electron";
import type { HostServices } from "../core/host-services.js";

export const electronHost: HostServices = {
  async copyText(text) {
    clipboard.writeText(text);
    return true;
  },
  async openExternal(url) {
    // The core has already checked the scheme against EXTERNAL_SCHEMES.
    await shell.openExternal(url);
    return true;
  },
  notify(title, body) {
    if (Notification.isSupported()) new Notification({ title, body }).show();
  },
};
