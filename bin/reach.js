#!/usr/bin/env node
// Entry point for `npx reach`. Runs the compiled JavaScript in dist/node (made by
// `npm install`'s prepare step) when it is up to date, and otherwise the TypeScript
// sources through tsx, so an edit is never shadowed by a stale build and no manual build
// step stands between `npm install` and a working command.
import { fileURLToPath } from "node:url";
import { compiledEntry, distIsFresh } from "./dist-freshness.js";

const root = fileURLToPath(new URL("..", import.meta.url));

if (distIsFresh(root)) {
  await import(compiledEntry(root));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../cli/main.ts");
}
