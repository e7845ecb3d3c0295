// The renderer is built with Vite into dist/renderer the first time it is needed and
// whenever its sources are newer than the build, so no manual build step exists.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { projectRoot } from "../launcher/project-root.js";

const ROOT = projectRoot(import.meta.url);
export const RENDERER_SOURCE = join(ROOT, "renderer");
export const RENDERER_BUILD = join(ROOT, "dist", "renderer");

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(
      newest,
      entry.isDirectory() ? await newestSource(path) : (await stat(path)).mtimeMs,
    );
  }
  return newest;
}

export async function ensureRendererBuilt(): Promise<string> {
  const built = await stat(join(RENDERER_BUILD, "index.html")).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = Math.max(
    await newestSource(RENDERER_SOURCE),
    await newestSource(join(ROOT, "common")),
  );
  if (built < sources) {
    const { build } = await import("vite");
    await build({ configFile: join(RENDERER_SOURCE, "vite.config.ts"), logLevel: "warn" });
  }
  return RENDERER_BUILD;
}
