// The renderer is built with Vite into dist/renderer the first time it is needed (or by
// `npm install`'s prepare step) and again only when a file it was built from has changed,
// so no manual build step exists and a warm start costs a few dozen stat calls.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { projectRoot } from "../launcher/project-root.js";

const ROOT = projectRoot(import.meta.url);
export const RENDERER_SOURCE = join(ROOT, "renderer");
export const RENDERER_BUILD = join(ROOT, "dist", "renderer");
/** Written by renderer/vite.config.ts (recordBuildInputs): the files the bundle came from. */
export const BUILD_INPUTS_FILE = "build-inputs.json";

interface BuildInput {
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * Why the build in dist/renderer cannot be served as it is, or null when it is current.
 * Only the files the last build read are compared: a new file matters only once an
 * existing one imports it, and that import changes the importer.
 */
export async function rendererBuildStaleness(
  root = ROOT,
  buildDir = RENDERER_BUILD,
): Promise<string | null> {
  const recorded = await readFile(join(buildDir, BUILD_INPUTS_FILE), "utf8").catch(() => null);
  const page = await stat(join(buildDir, "index.html")).catch(() => null);
  if (recorded === null || page === null) return "no renderer build yet";
  // Written by our own build; a record that does not parse is a build to redo, not an error.
  let inputs: BuildInput[];
  try {
    inputs = (JSON.parse(recorded) as { inputs: BuildInput[] }).inputs;
  } catch {
    inputs = [];
  }
  if (!Array.isArray(inputs) || inputs.length === 0)
    return "the renderer build's record is damaged";
  const changed = await Promise.all(
    inputs.map(async (input) => {
      const now = await stat(join(root, input.path)).catch(() => null);
      return now && now.size === input.size && now.mtimeMs === input.mtimeMs ? null : input.path;
    }),
  );
  const first = changed.find((path) => path !== null);
  return first ? `${first} changed since the renderer was built` : null;
}

/** Builds the renderer when it is stale; returns where the build is. */
export async function ensureRendererBuilt(): Promise<string> {
  if ((await rendererBuildStaleness()) !== null) {
    const { build } = await import("vite");
    await build({ configFile: join(RENDERER_SOURCE, "vite.config.ts"), logLevel: "warn" });
  }
  return RENDERER_BUILD;
}
