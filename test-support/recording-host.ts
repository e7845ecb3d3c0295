// The host services a desktop core gets where no Electron runs: what it copied, opened and
// notified is recorded for the test to read. The clipboard, the URL opener and system
// notifications are the operating system's, not Reach's; everything else is real.
import type { NoticeAction } from "../common/desktop-api.js";
import type { HostServices } from "../main/core/host-services.js";

export class RecordingHost implements HostServices {
  copied: string[] = [];
  opened: string[] = [];
  notifications: string[] = [];
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

  notify(title: string, body: string, action?: NoticeAction): void {
    this.notifications.push(`${title}: ${body}`);
    this.notices.push({ title, body, action });
  }
}
