// The host services a desktop core gets where no Electron runs: what it copied, opened and
// notified is recorded for the test to read. The clipboard, the URL opener and system
// notifications are the operating system's, not Reach's; everything else is real.
import type { HostServices } from "../main/core/host-services.js";

export class RecordingHost implements HostServices {
  copied: string[] = [];
  opened: string[] = [];
  notifications: string[] = [];
  /** Each setOpenAtLogin call, in order. */
  openAtLogin: boolean[] = [];

  async copyText(text: string): Promise<boolean> {
    this.copied.push(text);
    return true;
  }

  async openExternal(url: string): Promise<boolean> {
    this.opened.push(url);
    return true;
  }

  notify(title: string, body: string): void {
    this.notifications.push(`${title}: ${body}`);
  }

  async setOpenAtLogin(enabled: boolean): Promise<boolean> {
    this.openAtLogin.push(enabled);
    return true;
  }
}
