// The benchmark's preflight: `reach` runs dist/node only when it is as new as the sources
// (bin/dist-freshness.js) and otherwise the sources through tsx, which is slower and not
// what users run. So a stale dist/node is rebuilt first; if it still is not fresh, the run
// is refused rather than measuring tsx.
import { execFileSync } from "node:child_process";
import { dirname } from "node:path";
import { distIsFresh } from "../../bin/dist-freshness.js";
import { REACH } from "../../test-support/processes.js";

export function ensureFreshBuild(): void {
  const root = dirname(dirname(REACH));
  if (distIsFresh(root)) return;
  process.stderr.write("dist/node is older than the sources: building it first\n");
  execFileSync(process.execPath, ["--import", "tsx", "scripts/build-node.ts"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (!distIsFresh(root)) {
    throw new Error(
      "dist/node is still older than the sources after `node --import tsx scripts/build-node.ts`: the benchmark would measure tsx, so it does not run.",
    );
  }
}
