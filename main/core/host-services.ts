// What the core needs from whatever hosts it (the Electron shell, or the headless server):
// a clipboard, a way to open URLs outside the app, a terminal window, notifications, and
// the login item.
import type { NoticeAction } from "../../common/desktop-api.js";

export interface HostServices {
  /** Returns false when the host has no clipboard of its own (headless: the browser copies). */
  copyText(text: string): Promise<boolean>;
  /** Returns false when the host cannot open URLs (headless: the browser opens them). */
  openExternal(url: string): Promise<boolean>;
  /**
   * Runs a launch command in a new terminal window (main/core/terminal-launcher.ts), with
   * settings.terminal; false when the host has no windows (headless: the page shows the
   * command). Rejects with a sentence when no terminal starts.
   */
  runInTerminal(command: string, terminal: string | null): Promise<boolean>;
  /** A notification; `action` is a button the host may offer (headless: the page's notice). */
  notify(title: string, body: string, action?: NoticeAction): void;
  /** Starts the app at login, or stops doing so; false when the host has no login item (headless). */
  setOpenAtLogin(enabled: boolean): Promise<boolean>;
}
