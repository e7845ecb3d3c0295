// Child processes for tests, benchmarks and torture runs: `reach` (or any command) with
// every stdout line kept, so a wait never misses a line printed before it began. A wait
// that runs out says what it waited for and shows what the child printed; stop() ends the
// child with SIGTERM, then SIGKILL if it lingers.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const REACH = fileURLToPath(new URL("../bin/reach.js", import.meta.url));
/** How long a child may take to print what is waited for (tsx compiles on start). */
export const DEFAULT_WAIT_MS = 30_000;
/** How long stop() waits after SIGTERM before it sends SIGKILL. */
const STOP_GRACE_MS = 5000;
/** How much of the child's output an error shows: the end is where the reason is. */
const SHOWN_LINES = 40;
const SHOWN_STDERR_CHARS = 4000;

export interface ChildOptions {
  /** Variables set over this process's environment; `undefined` removes one. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * How long a wait for a line may take (default DEFAULT_WAIT_MS); for runToExit, how long
   * the command may run before it is killed (default: as long as it takes).
   */
  waitMs?: number;
  /** What errors call the child (default: the command and its first argument). */
  label?: string;
  /** Flags for node itself when the child is `reach`, e.g. ["--cpu-prof"]. */
  nodeArgs?: string[];
}

export interface WatchedChild {
  child: ChildProcess;
  /** 0 when the process could not be started. */
  readonly pid: number;
  label: string;
  /** Every line the child has printed on stdout so far. */
  lines: string[];
  stderr(): string;
  /** The first stdout line from index `from` on that matches, waiting for it if need be. */
  waitForLine(pattern: RegExp, from?: number): Promise<RegExpExecArray>;
  /** The first `count` matching stdout lines from index `from` on. */
  waitForLines(pattern: RegExp, count: number, from?: number): Promise<RegExpExecArray[]>;
  stop(): Promise<void>;
}

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function reachCommand(args: string[], options: ChildOptions): [string, string[]] {
  return [process.execPath, [...(options.nodeArgs ?? []), REACH, ...args]];
}

function labelFor(command: string, args: string[]): string {
  return command === process.execPath && args.includes(REACH)
    ? `reach ${args[args.indexOf(REACH) + 1] ?? ""}`.trimEnd()
    : `${basename(command)} ${args[0] ?? ""}`.trimEnd();
}

function spawnPiped(command: string, args: string[], options: ChildOptions): ChildProcess {
  return spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** `command` as a long-running child whose lines can be waited for (see the header). */
export function startChild(
  command: string,
  args: string[],
  options: ChildOptions = {},
): WatchedChild {
  const child = spawnPiped(command, args, options);
  const label = options.label ?? labelFor(command, args);
  const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
  const lines: string[] = [];
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  // A spawn failure (no such command) arrives as "error"; without a listener it would throw.
  child.on("error", (error) => {
    stderr += `${error.message}\n`;
  });
  const reader = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  /** The checks of the waits in progress, run on every line and when the child is gone. */
  const waiting = new Set<() => void>();
  const checkAll = () => {
    for (const check of waiting) check();
  };
  reader.on("line", (line) => {
    lines.push(line);
    checkAll();
  });
  // "close" (stdio drained, exit status known), not "exit", ends a wait: "exit" can come
  // before the last lines and the stderr that says why have been read.
  let gone = false;
  child.on("close", () => {
    gone = true;
    checkAll();
  });
  const output = () =>
    `stdout (last ${SHOWN_LINES} lines):\n${lines.slice(-SHOWN_LINES).join("\n")}\nstderr:\n${stderr.slice(-SHOWN_STDERR_CHARS)}`;

  const waitForLines = (pattern: RegExp, count: number, from = 0) =>
    new Promise<RegExpExecArray[]>((resolve, reject) => {
      if (!Number.isInteger(count) || count < 1) {
        throw new Error(`waitForLines needs a count of at least 1, not ${count}`);
      }
      const matches: RegExpExecArray[] = [];
      let next = from;
      const finish = () => {
        clearTimeout(timer);
        waiting.delete(check);
      };
      const check = () => {
        for (; next < lines.length && matches.length < count; next++) {
          const match = pattern.exec(lines[next] as string);
          if (match) matches.push(match);
        }
        if (matches.length >= count) {
          finish();
          resolve(matches);
        } else if (gone) {
          finish();
          reject(
            new Error(
              `${label} exited (${child.exitCode ?? child.signalCode}) before printing ${count === 1 ? "a line" : `${count} lines`} matching ${pattern}\n${output()}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(
            `${label} printed ${count === 1 ? "no line" : `fewer than ${count} lines`} matching ${pattern} in ${waitMs} ms\n${output()}`,
          ),
        );
      }, waitMs);
      waiting.add(check);
      check();
    });

  return {
    child,
    get pid() {
      return child.pid ?? 0;
    },
    label,
    lines,
    stderr: () => stderr,
    waitForLines,
    waitForLine: async (pattern, from = 0) =>
      (await waitForLines(pattern, 1, from))[0] as RegExpExecArray,
    stop: () => stopChild(child),
  };
}

/** `reach <args>` as a long-running child (see startChild). */
export function startReachChild(args: string[], options: ChildOptions = {}): WatchedChild {
  const [command, fullArgs] = reachCommand(args, options);
  return startChild(command, fullArgs, options);
}

/** Runs a command to its exit; past `options.waitMs` (if given) it is killed and reported. */
export async function runToExit(
  command: string,
  args: string[],
  options: ChildOptions = {},
): Promise<Exited> {
  const started = performance.now();
  const child = spawnPiped(command, args, options);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const timer =
    options.waitMs === undefined
      ? undefined
      : setTimeout(() => child.kill("SIGKILL"), options.waitMs);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.once("error", (error) =>
          reject(
            new Error(
              `${options.label ?? labelFor(command, args)} did not start: ${error.message}`,
            ),
          ),
        );
        child.once("close", (code, signal) => resolve([code, signal]));
      },
    );
    return { code, signal, stdout, stderr, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** `reach <args>` run to its exit (see runToExit). */
export function runReach(args: string[], options: ChildOptions = {}): Promise<Exited> {
  const [command, fullArgs] = reachCommand(args, options);
  return runToExit(command, fullArgs, options);
}

/** SIGTERM, then SIGKILL if the child has not exited within the grace period. */
export async function stopChild(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** SIGKILL, then wait for the exit: no chance to flush, close or say goodbye. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}
