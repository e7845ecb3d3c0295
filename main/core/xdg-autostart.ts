import { rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { writeFileAtomically } from "../../common/fs/atomic-write.js";

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
  await writeFileAtomically(path, entry, 0o644);
}

/**
 * The Desktop Entry spec's quoting for Exec: an argument in double quotes, with `"`, `` ` ``,
 * `$` and `\` escaped by a backslash, and `%` doubled (a lone % starts a field code).
 */
export function quoteExecArgument(argument: string): string {
  return `"${argument.replace(/["`$\\]/g, "\\$&").replace(/%/g, "%%")}"`;
}
