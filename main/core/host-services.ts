// What the core needs from whatever hosts it (the Electron shell, or the headless server):
// a clipboard, a way to open URLs outside the app, and notifications.
import type { NoticeAction } from "../../common/desktop-api.js";

export interface HostServices {
  /** Returns false when the host has no clipboard of its own (headless: the browser copies). */
  copyText(text: string): Promise<boolean>;
  /** Returns false when the host cannot open URLs (headless: the browser opens them). */
  openExternal(url: string): Promise<boolean>;
  /** A notification; `action` is a button the host may offer (headless: the page's notice). */
  notify(title: string, body: string, action?: NoticeAction): void;
}
