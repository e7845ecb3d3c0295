#!/usr/bin/env node
// Entry point for `npx reach`. Runs the compiled JavaScript in dist/node (made by
// `npm install`'s prepare step) when it is up to date, and otherwise the TypeScript
// sources through tsx, so an edit is never shadowed by a stale build and no manual build
// step stands between `npm install` and a working command.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const compiled = join(root, "dist", "node", "cli", "main.js");

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const fresh =
  existsSync(compiled) &&
  statSync(compiled).mtimeMs >=
    Math.max(
      ...["cli", "client", "broker", "agent", "common", "main"].map((d) =>
        newestSource(join(root, d)),
      ),
    );

if (fresh) {
  await import(compiled);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../cli/main.ts");
}
