// The settings as the running core holds them: loaded once from the settings file, changed
// only whole (checked, saved, then applied), and what each saved setting still waits for.
import {
  DEFAULT_SETTINGS,
  type DesktopSettings,
  type SettingsChange,
} from "../../common/desktop-settings.js";
import { fail, messageOf, ok, type Result } from "../../common/result.js";
import { noDataDir } from "./core-results.js";
import type { HostServices } from "./host-services.js";
import { nextSettings } from "./settings-change.js";
import type { SettingsStore } from "./settings-store.js";

export class DesktopPreferences {
  /** Defaults until load(), and for good without a data directory. */
  current: DesktopSettings = DEFAULT_SETTINGS;
  /** Why the file was not used (damaged: the defaults apply until the next save). */
  problem: string | null = null;
  /** Open at login was asked for and the host has no login item to set. */
  private loginItemMissing = false;

  constructor(
    private readonly store: SettingsStore | null,
    private readonly host: HostServices,
    /** Whether headless mode listens on the LAN now (undefined: not headless). */
    private readonly headlessLanNow: boolean | undefined,
  ) {}

  async load(): Promise<void> {
    if (!this.store) return;
    ({ settings: this.current, problem: this.problem } = await this.store.load());
  }

  /** Checks the whole change, saves it, then applies it (the login item through the host). */
  async change(input: SettingsChange): Promise<Result<DesktopSettings>> {
    const store = this.store;
    if (!store) return noDataDir();
    let next: DesktopSettings;
    try {
      next = await nextSettings(this.current, input);
    } catch (error) {
      return fail("INVALID_INPUT", messageOf(error));
    }
    try {
      await store.save(next);
    } catch (error) {
      return fail(
        "INTERNAL",
        `The settings could not be saved to ${store.path}: ${messageOf(error)}`,
      );
    }
    this.current = next;
    this.problem = null;
    if (input.openAtLogin !== undefined) {
      const done = await this.host.setOpenAtLogin(next.openAtLogin).catch(() => false);
      this.loginItemMissing = next.openAtLogin && !done;
    }
    return ok(next);
  }

  /** What a saved setting waits for, or why it does nothing here. */
  note(): string | null {
    const notes: string[] = [];
    if (this.loginItemMissing) {
      notes.push("Open at login is saved, but this host has no login item to set.");
    }
    const lanNow = this.headlessLanNow;
    if (lanNow !== undefined && lanNow !== this.current.headlessLan) {
      notes.push(
        this.current.headlessLan
          ? "Headless mode listens on every address from its next start; until then only on 127.0.0.1."
          : "Headless mode goes back to 127.0.0.1 only at its next start; until then it listens on every address.",
      );
    }
    return notes.length > 0 ? notes.join(" ") : null;
  }
}
