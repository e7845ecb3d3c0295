// 8. Start-up: from starting what `npm start` runs headless (`reach desktop --headless
// --local`: a local broker, the core signed in to it, the page's server) to the page's
// first contentful paint in Debian's Chromium. Cold: no renderer build yet, so the start
// builds it (a fresh clone whose install skipped prepare); warm: the build is current.
// Each start gets its own HOME, so the broker's store and the app's data start empty and
// nothing of the user's ~/.reach is read or written.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { launchChromium } from "../../test-support/browser.js";
import { runToExit, startReachChild } from "../../test-support/processes.js";
import { freePort } from "../../test-support/stack.js";
import { median, round } from "../../test-support/stats.js";
import type { BenchContext, SuiteResult } from "../lib/context.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface StartSample {
  /** Process start → the "Open <link>" line: broker, core and server up. */
  serving: number;
  /** Process start → the page's load event. */
  load: number;
  /** Process start → first-contentful-paint. */
  firstPaint: number;
  /** Process start → the signed-in panel rendered (its devices and services list shown). */
  panel: number;
  /** Lines the start printed on stderr (warnings from the build, say): should be none. */
  stderrLines: number;
}

async function timeOneStart(browser: Browser): Promise<StartSample> {
  const home = await mkdtemp(join(tmpdir(), "reach-bench-start-"));
  const [port, brokerPort] = [await freePort(), await freePort()];
  const started = Date.now();
  const app = startReachChild(
    [
      "desktop",
      "--headless",
      "--local",
      "--port",
      String(port),
      "--broker-port",
      String(brokerPort),
    ],
    { env: { HOME: home }, waitMs: 120_000, cwd: ROOT },
  );
  try {
    const link = (await app.waitForLine(/Reach is running headless\. Open (\S+)/))[1] as string;
    const serving = Date.now() - started;
    const page = await browser.newPage();
    try {
      await page.goto(link, { waitUntil: "load" });
      // Times on the page's clock since its navigation began, turned into this machine's
      // epoch milliseconds (timeOrigin) so they count from the process start.
      const paint = await page.waitForFunction(() => {
        const fcp = performance.getEntriesByName("first-contentful-paint")[0];
        const nav = performance.getEntriesByType("navigation")[0] as
          | PerformanceNavigationTiming
          | undefined;
        return fcp && nav && nav.loadEventEnd > 0
          ? {
              firstPaint: performance.timeOrigin + fcp.startTime,
              load: performance.timeOrigin + nav.loadEventEnd,
            }
          : null;
      });
      const at = await paint.jsonValue();
      await page.getByRole("heading", { name: "Devices and services" }).waitFor();
      const panel = Date.now() - started;
      if (!at) throw new Error("the page reported no first-contentful-paint");
      const stderrLines = app
        .stderr()
        .split("\n")
        .filter((line) => line.trim()).length;
      return {
        serving,
        load: at.load - started,
        firstPaint: at.firstPaint - started,
        panel,
        stderrLines,
      };
    } finally {
      await page.close();
    }
  } finally {
    await app.stop();
    await rm(home, { recursive: true, force: true });
  }
}

export async function startup(ctx: BenchContext): Promise<SuiteResult> {
  // `npm start` runs the JavaScript that install compiled (else the sources through tsx):
  // compile it as install does, so the figures are those of a fresh install.
  const compiled = await runToExit(process.execPath, ["--import", "tsx", "scripts/build-node.ts"], {
    cwd: ROOT,
  });
  if (compiled.code !== 0) throw new Error(`build-node failed:\n${compiled.stderr}`);
  const browser = await launchChromium();
  const rounds = ctx.quick ? 2 : 5;
  const cold: StartSample[] = [];
  const warm: StartSample[] = [];
  try {
    // Interleaved, so a slow moment of the shared machine lands on both kinds alike.
    for (let i = 0; i < rounds; i++) {
      await rm(join(ROOT, "dist", "renderer"), { recursive: true, force: true });
      cold.push(await timeOneStart(browser));
      warm.push(await timeOneStart(browser));
    }
  } finally {
    await browser.close();
  }
  const row = (name: string, samples: StartSample[]) => [
    name,
    String(Math.round(median(samples.map((s) => s.serving)))),
    String(Math.round(median(samples.map((s) => s.load)))),
    String(Math.round(median(samples.map((s) => s.firstPaint)))),
    String(Math.round(median(samples.map((s) => s.panel)))),
    String(Math.max(...samples.map((s) => s.stderrLines))),
  ];
  const warmPaint = round(median(warm.map((s) => s.firstPaint)) / 1000, 2);
  const noisy = Math.max(...[...cold, ...warm].map((s) => s.stderrLines));
  return {
    title:
      "Start-up: `reach desktop --headless --local` to the page's first paint and the signed-in panel (median ms)",
    table: [
      ["start", "serving", "page load", "first paint", "signed-in panel", "stderr lines"],
      row(`cold (renderer built at start), ${rounds}×`, cold),
      row(`warm (build current), ${rounds}×`, warm),
    ],
    data: { cold, warm },
    targets: [
      {
        name: "warm start to first paint, s",
        value: warmPaint,
        bound: "≤ 3 s",
        met: warmPaint <= 3,
      },
      { name: "lines on stderr while starting", value: noisy, bound: "0", met: noisy === 0 },
    ],
  };
}
