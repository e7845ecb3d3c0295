// Open at login on Linux. Electron's app.setLoginItemSettings does nothing there: desktops
// (GNOME, KDE, Xfce …) start what ~/.config/autostart holds instead, per the freedesktop
// Desktop Application Autostart spec. One reach.desktop file: written to start at login,
// removed to stop. Written through a temporary file and a rename, as the settings are.
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

export const AUTOSTART_FILE = "reach.desktop";

/** $XDG_CONFIG_HOME/autostart, or ~/.config/autostart. */
export function autostartDir(): string {
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), ".config"), "autostart");
}

/** `command` is the program and its arguments (e.g. the AppImage's path). */
export async function setXdgAutostart(
  enabled: boolean,
  command: string[],
  dir: string = autostartDir(),
): Promise<void> {
  const path = join(dir, AUTOSTART_FILE);
  if (!enabled) {
    await rm(path, { force: true });
    return;
  }
  const entry = [
    "[Desktop Entry]",
    "Type=Application",
    "Name=Reach",
    "Comment=Reach in the tray, started at login",
    `Exec=${command.map(quoteExecArgument).join(" ")}`,
    "Terminal=false",
    "X-GNOME-Autostart-enabled=true",
    "",
  ].join("\n");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, entry, { mode: 0o644 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The Desktop Entry spec's quoting for Exec: an argument in double quotes, with `"`, `` ` ``,
 * `$` and `\` escaped by a backslash, and `%` doubled (a lone % starts a field code).
 */
export function quoteExecArgument(argument: string): string {
  return `"${argument.replace(/["`$\\]/g, "\\$&").replace(/%/g, "%%")}"`;
}
