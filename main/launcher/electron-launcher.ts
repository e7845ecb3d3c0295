// Starts the Electron shell when this machine can run it, and says in one line why not
// when it cannot (no binary, no display), so the caller can fall back to headless mode.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { buildElectronBundles } from "./electron-build.js";

const require = createRequire(import.meta.url);

function electronBinary(): string | null {
  try {
    const path = require("electron") as unknown;
    return typeof path === "string" && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/** Null when Electron can run here; otherwise one sentence saying why not. */
export async function electronUnavailableReason(): Promise<string | null> {
  if (process.platform === "linux" && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return "there is no display ($DISPLAY and $WAYLAND_DISPLAY are unset).";
  }
  if (electronBinary()) return null;
  return "Electron's binary is not installed (run `node node_modules/electron/install.js` on a machine that can download it).";
}

export async function launchElectron(options: {
  dataDir: string;
  signInProfile?: string;
}): Promise<{ stop(): Promise<void> }> {
  const binary = electronBinary();
  if (!binary) throw new Error("Electron's binary is not installed.");
  const { main } = await buildElectronBundles();
  const child: ChildProcess = spawn(binary, [main], {
    stdio: "inherit",
    env: {
      ...process.env,
      REACH_DATA_DIR: options.dataDir,
      ...(options.signInProfile ? { REACH_SIGN_IN_PROFILE: options.signInProfile } : {}),
    },
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
