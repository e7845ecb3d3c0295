// Runs a launch command (psql …, ssh …, a user's own) in a new terminal window: the
// platform's terminal, or the one settings.terminal names. The command line goes to the
// terminal's shell as one argument, never through a shell of ours, and the terminal is
// spawned detached so its window stays open when the app quits.
import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";

export interface TerminalOptions {
  /** settings.terminal: the program and its arguments that come before the shell and the command. */
  terminal: string | null;
  platform?: NodeJS.Platform;
  /** Where programs are looked up (PATH); the process's own by default. */
  env?: NodeJS.ProcessEnv;
}

export interface Invocation {
  file: string;
  args: string[];
}

/** Linux terminals tried in order, each with the argument after which a program and its arguments follow. */
const LINUX_TERMINALS: { file: string; before: string[] }[] = [
  // Debian's alternatives link, pointing at whichever terminal the system prefers.
  { file: "x-terminal-emulator", before: ["-e"] },
  { file: "gnome-terminal", before: ["--"] },
];

/**
 * What to spawn for `command`. With settings.terminal its words come first, then the
 * platform's shell (sh -c, or cmd /k on Windows) and the command as one argument.
 */
export async function terminalInvocation(
  command: string,
  options: TerminalOptions,
): Promise<Invocation> {
  const platform = options.platform ?? process.platform;
  const shell = platform === "win32" ? ["cmd", "/k", command] : ["sh", "-c", command];
  if (options.terminal !== null) {
    const [file, ...args] = splitWords(options.terminal);
    if (!file) throw new Error("The terminal setting is empty: name a program, or clear it.");
    return { file, args: [...args, ...shell] };
  }
  if (platform === "darwin") {
    // Terminal.app runs what `do script` is given in a new window, through the user's shell.
    const script = `tell application "Terminal" to do script "${appleScriptString(command)}"`;
    return {
      file: "osascript",
      args: ["-e", script, "-e", 'tell application "Terminal" to activate'],
    };
  }
  if (platform === "win32") {
    // start opens a new console window; its first quoted argument is that window's title.
    return { file: "cmd", args: ["/c", "start", "", ...shell] };
  }
  const env = options.env ?? process.env;
  for (const candidate of LINUX_TERMINALS) {
    if (await onPath(candidate.file, env)) {
      return { file: candidate.file, args: [...candidate.before, ...shell] };
    }
  }
  throw new Error(
    `No terminal found: Reach looks on PATH for ${LINUX_TERMINALS.map((t) => t.file).join(", then ")}. Install one, or set the terminal in Settings.`,
  );
}

/** Opens a terminal running `command`; rejects with a sentence when the terminal cannot start. */
export async function runInTerminal(command: string, options: TerminalOptions): Promise<void> {
  const { file, args } = await terminalInvocation(command, options);
  const child = spawn(file, args, { detached: true, stdio: "ignore", env: options.env });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === "ENOENT"
            ? `The terminal program "${file}" was not found: check the terminal in Settings.`
            : `The terminal "${file}" did not start: ${error.code ?? error.message}.`,
        ),
      ),
    );
  });
  // The window belongs to the user now: the app may quit while it stays open.
  child.unref();
}

/** Words of a setting such as `"/opt/My Term/term" -e`: spaces split, quotes group. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    words.push(match[1] ?? match[2] ?? match[3] ?? "");
  }
  return words;
}

async function onPath(file: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const dirs = (env.PATH ?? "").split(delimiter).filter((dir) => isAbsolute(dir));
  for (const dir of dirs) {
    try {
      await access(join(dir, file), constants.X_OK);
      return true;
    } catch {
      // not in this one
    }
  }
  return false;
}

/** A string inside AppleScript double quotes: its backslashes and quotes escaped. */
function appleScriptString(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}
