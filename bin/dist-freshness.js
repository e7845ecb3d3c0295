// When dist/node may run instead of the TypeScript sources: its entry point is at least as
// new as every .ts file of the Node-side folders. bin/reach.js decides by it, and the
// benchmark's preflight too (bench/lib/fresh-build.ts), so a run never measures tsx.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const SOURCE_DIRS = ["cli", "client", "broker", "agent", "common", "main"];

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The compiled entry point under `root`. */
export function compiledEntry(root) {
  return join(root, "dist", "node", "cli", "main.js");
}

/** Whether `root`'s dist/node is as new as its sources. */
export function distIsFresh(root) {
  const compiled = compiledEntry(root);
  return (
    existsSync(compiled) &&
    statSync(compiled).mtimeMs >= Math.max(...SOURCE_DIRS.map((d) => newestSource(join(root, d))))
  );
}
