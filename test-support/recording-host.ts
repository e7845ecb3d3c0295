// The host services a desktop core gets where no Electron runs: what it copied, opened and
// notified is recorded for the test to read. The clipboard, the URL opener and system
// notifications are the operating system's, not Reach's; everything else is real, launch
// commands included: they run through the real terminal launcher, looked up on `env`'s PATH.
import type { NoticeAction } from "../common/desktop-api.js";
import type { HostServices } from "../main/core/host-services.js";
import { runInTerminal } from "../main/core/terminal-launcher.js";

export class RecordingHost implements HostServices {
  copied: string[] = [];
  opened: string[] = [];
  ran: string[] = [];
  notifications: string[] = [];
  /** Each setOpenAtLogin call, in order. */
  openAtLogin: boolean[] = [];

  /** env: where the terminal launcher looks for a terminal (a test puts one of its own on PATH). */
  constructor(private readonly env?: NodeJS.ProcessEnv) {}
  /** The same notifications whole, with the button each offered. */
  notices: { title: string; body: string; action?: NoticeAction }[] = [];

  async copyText(text: string): Promise<boolean> {
    this.copied.push(text);
    return true;
  }

  async openExternal(url: string): Promise<boolean> {
    this.opened.push(url);
    return true;
  }

  async runInTerminal(command: string, terminal: string | null): Promise<boolean> {
    this.ran.push(command);
    await runInTerminal(command, { terminal, env: this.env });
    return true;
  }

  notify(title: string, body: string, action?: NoticeAction): void {
    this.notifications.push(`${title}: ${body}`);
    this.notices.push({ title, body, action });
  }

  async setOpenAtLogin(enabled: boolean): Promise<boolean> {
    this.openAtLogin.push(enabled);
    return true;
  }
}
