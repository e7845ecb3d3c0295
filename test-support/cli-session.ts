// The `reach` command line as a user runs it, for the CLI tests: every child shares a
// scratch HOME and credentials file (so nothing can fall back to the real ~/.reach) and
// runs from the repository root, the long-running ones are stopped together, and the
// broker comes up on a free port with a port-proxy range of its own.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Exited,
  runReach,
  runToExit,
  startReachChild,
  type WatchedChild,
} from "./processes.js";
import { type BrokerProcess, startBrokerProcess } from "./reach-processes.js";
import { freePort } from "./stack.js";

export const REPOSITORY_ROOT = fileURLToPath(new URL("../", import.meta.url));

export interface CliSession {
  /** The variables every child gets over this process's environment. */
  env: NodeJS.ProcessEnv;
  /** Where REACH_CREDENTIALS points: the profiles `admin create-user --profile` writes. */
  credentialsPath: string;
  /** `reach <args>` run to its exit. */
  reach(...args: string[]): Promise<Exited>;
  /** Any command run to its exit, with `extraEnv` set over the session's variables. */
  run(command: string, args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<Exited>;
  /** A long-running `reach <args>`; stop() ends it. */
  start(args: string[]): WatchedChild;
  /** `reach broker` over `dataDir` on a free port of 127.0.0.1; stop() ends it. */
  startBroker(dataDir: string): Promise<BrokerProcess & { port: number }>;
  /** Stops every long-running child the session started. */
  stop(): Promise<void>;
}

export function cliSession(workDir: string): CliSession {
  const credentialsPath = join(workDir, "credentials");
  const env = { HOME: workDir, REACH_CREDENTIALS: credentialsPath };
  const running: WatchedChild[] = [];
  const options = (extraEnv: NodeJS.ProcessEnv = {}) => ({
    cwd: REPOSITORY_ROOT,
    env: { ...env, ...extraEnv },
  });
  return {
    env,
    credentialsPath,
    reach: (...args) => runReach(args, options()),
    run: (command, args, extraEnv) => runToExit(command, args, options(extraEnv)),
    start(args) {
      const child = startReachChild(args, options());
      running.push(child);
      return child;
    },
    async startBroker(dataDir) {
      const port = await freePort();
      // A random slice of 45000-49999: clear of the on-demand listeners' default ports
      // (33000-42999), and unlikely to meet another test's broker running at the same time.
      const low = 45000 + Math.floor(Math.random() * 50) * 100;
      const broker = await startBrokerProcess({
        port,
        dataDir,
        args: ["--proxy-ports", `${low}-${low + 99}`],
        env,
      });
      running.push(broker);
      return Object.assign(broker, { port });
    },
    async stop() {
      await Promise.all(running.splice(0).map((child) => child.stop()));
    },
  };
}
