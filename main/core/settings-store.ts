import { readFile } from "node:fs/promises";
import {
  DEFAULT_SETTINGS,
  type DesktopSettings,
  desktopSettingsSchema,
} from "../../common/desktop-settings.js";
import { writeFileAtomically } from "../../common/fs/atomic-write.js";

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
    await writeFileAtomically(this.path, `${JSON.stringify(checked, null, 2)}\n`, 0o600);
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
