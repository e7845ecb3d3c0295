// Bundles the Electron main process and the preload script with esbuild: main as one ESM
// file, preload as one CommonJS file (sandboxed preloads cannot load modules).

import { join } from "node:path";
import { projectRoot } from "./project-root.js";

const ROOT = projectRoot(import.meta.url);
export const ELECTRON_BUILD = join(ROOT, "dist", "electron");

export async function buildElectronBundles(): Promise<{ main: string; preload: string }> {
  const { build } = await import("esbuild");
  const main = join(ELECTRON_BUILD, "main.cjs");
  const preload = join(ELECTRON_BUILD, "preload.cjs");
  await build({
    entryPoints: [join(ROOT, "main", "electron", "main.ts")],
    outfile: main,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    // Native addons load from node_modules at run time (node-datachannel is N-API: one
    // binary serves Node and Electron).
    external: ["electron", "better-sqlite3", "node-datachannel"],
    logLevel: "warning",
  });
  await build({
    entryPoints: [join(ROOT, "preload", "preload.ts")],
    outfile: preload,
    bundle: true,
    platform: "browser",
    format: "cjs",
    external: ["electron"],
    logLevel: "warning",
  });
  return { main, preload };
}
