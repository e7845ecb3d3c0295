// Compiles the Node-side sources (cli, client, broker, agent, common, main) to plain JavaScript in
// dist/node, one file per source, so `reach` runs without a TypeScript loader in memory
// (tsx's loader thread costs about 35 MB per process). Run by `npm install` (prepare);
// bin/reach.js falls back to the sources through tsx whenever they are newer.
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { projectRoot } from "../main/launcher/project-root.js";

const ROOT = projectRoot(import.meta.url);
const SOURCES = ["cli", "client", "broker", "agent", "common", "main"];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === "test" || entry.name === "electron" ? [] : sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const entryPoints = SOURCES.flatMap((dir) => sources(join(ROOT, dir)));
await build({
  entryPoints,
  outdir: join(ROOT, "dist", "node"),
  outbase: ROOT,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
});
process.stdout.write(
  `Compiled ${entryPoints.length} files to ${relative(ROOT, join(ROOT, "dist", "node"))}\n`,
);
