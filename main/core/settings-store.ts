// The desktop app's settings file, desktop-settings.json in its data directory, checked by
// common/desktop-settings.ts's schema. A damaged file never stops the app: it runs on the
// defaults, says what is wrong (DesktopState.settingsProblem), and leaves the file as it is
// for the user to look at until the next save replaces it. A save writes a temporary file
// in the same directory and renames it over the old one, so a crash or a full disk leaves
// the old settings or the new ones, never half of either.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  DEFAULT_SETTINGS,
  type DesktopSettings,
  desktopSettingsSchema,
} from "../../common/desktop-settings.js";

export const SETTINGS_FILE = "desktop-settings.json";

/**
 * What a file may hold: any field may be missing (a file written before the field existed
 * takes its default), unknown fields are ignored (a file written by a newer version still
 * works), and a field that is there must be right.
 */
const fileSchema = desktopSettingsSchema
  .extend({ notifications: desktopSettingsSchema.shape.notifications.partial() })
  .partial();

export interface LoadedSettings {
  settings: DesktopSettings;
  /** Why the file was not used, naming it; null when it was (or there is none yet). */
  problem: string | null;
}

export class SettingsStore {
  constructor(readonly path: string) {}

  async load(): Promise<LoadedSettings> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return { settings: DEFAULT_SETTINGS, problem: null };
      return damaged(this.path, `it cannot be read (${code ?? "unknown error"})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return damaged(this.path, `it is not valid JSON (${(error as Error).message})`);
    }
    const result = fileSchema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue?.path.join(".") || "the top level";
      return damaged(this.path, `${where} is wrong (${issue?.message ?? "does not match"})`);
    }
    const { notifications, ...rest } = result.data;
    return {
      settings: {
        ...DEFAULT_SETTINGS,
        ...definedOnly(rest),
        notifications: { ...DEFAULT_SETTINGS.notifications, ...definedOnly(notifications ?? {}) },
      },
      problem: null,
    };
  }

  /** Writes the whole settings object, atomically (temporary file, then rename). */
  async save(settings: DesktopSettings): Promise<void> {
    const checked = desktopSettingsSchema.parse(settings);
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await writeFile(temporary, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600 });
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}

function damaged(path: string, why: string): LoadedSettings {
  return {
    settings: DEFAULT_SETTINGS,
    problem: `The settings file ${path} was not used: ${why}. The defaults apply until the settings are saved.`,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as Partial<T>;
}
