// The repository root (where package.json, renderer/ and assets/ live), found by walking
// up from a module, so paths hold whether the code runs from its sources or from dist/.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function projectRoot(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "reach"
    ) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("Cannot find Reach's package.json above this module.");
    dir = parent;
  }
}
