// A change to the settings, checked whole before anything is saved: the schema's checks
// (settingsChangeInput), then what a schema cannot know, such as whether the terminal
// program exists on this machine. Either every field of the change is right and the next
// settings come back, or a sentence names the first problem and nothing changes.
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";
import {
  type DesktopSettings,
  type SettingsChange,
  settingsChangeInput,
} from "../../common/desktop-settings.js";

export async function nextSettings(
  current: DesktopSettings,
  change: unknown,
): Promise<DesktopSettings> {
  const parsed = settingsChangeInput.safeParse(change);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "the change";
    throw new Error(`The setting ${where} is wrong: ${issue?.message ?? "it does not match"}.`);
  }
  const valid: SettingsChange = parsed.data;
  if (valid.terminal) await checkTerminal(valid.terminal);
  const { notifications, ...rest } = valid;
  return {
    ...current,
    ...definedOnly(rest),
    notifications: { ...current.notifications, ...definedOnly(notifications ?? {}) },
  };
}

/**
 * The terminal setting is a program and the arguments before the command ("gnome-terminal
 * --"); the program must be an absolute path that exists or a name found on PATH, so a
 * typo is refused now rather than at the first launch.
 */
async function checkTerminal(terminal: string): Promise<void> {
  const program = terminal.trim().split(/\s+/)[0] ?? "";
  if (isAbsolute(program)) {
    if (!(await isExecutable(program)))
      throw new Error(`The terminal program ${program} does not exist or cannot be run.`);
    return;
  }
  if (/[\\/]/.test(program))
    throw new Error(
      `The terminal program ${program} is a relative path: give an absolute path or a program on PATH.`,
    );
  if (!(await onPath(program))) throw new Error(`The terminal program ${program} is not on PATH.`);
}

async function onPath(program: string): Promise<boolean> {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  // Windows finds "cmd" as cmd.exe; elsewhere the name is the file's name.
  const suffixes =
    process.platform === "win32"
      ? ["", ...(process.env.PATHEXT ?? ".EXE;.CMD;.BAT;.COM").split(";")]
      : [""];
  for (const dir of dirs) {
    for (const suffix of suffixes) {
      if (await isExecutable(join(dir, program + suffix))) return true;
    }
  }
  return false;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as Partial<T>;
}
