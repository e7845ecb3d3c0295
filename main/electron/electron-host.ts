// HostServices backed by Electron: the main-process clipboard, the shell, a terminal, notifications.
import { clipboard, Notification, shell } from "electron";
import { externalUrl } from "../../common/desktop-api.js";
import type { HostServices } from "../core/host-services.js";
import { runInTerminal } from "../core/terminal-launcher.js";

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
  async runInTerminal(command, terminal) {
    await runInTerminal(command, { terminal });
    return true;
  },
  notify(title, body) {
    if (Notification.isSupported()) new Notification({ title, body }).show();
  },
};
