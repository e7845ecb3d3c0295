// `npm run torture`: faults, load and hostile input against the real broker, agents,
// services and clients on loopback. Writes bench/results/torture.{json,md} and exits 1 if
// any check failed. `--quick` shortens loads; `--only=name,name` runs some scenarios and
// keeps the others' last results in the report.
// Never part of `npm test`.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { failedChecks, mergeWithPrevious, writeTortureReport } from "./lib/report.js";
import { Recorder, type Scenario, type ScenarioResult } from "./lib/scenario.js";

const quick = process.argv.includes("--quick");
const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");

// The fault scenarios mount tmpfs filesystems and drop sockets with `ss -K`: say so up
// front rather than fail halfway.
const missing = [
  process.getuid?.() === 0 ? null : "root (to mount small tmpfs data dirs)",
  commandExists("ss") ? null : "ss from iproute2 (to cut tunnels)",
  commandExists("mount") ? null : "mount",
].filter((m): m is string => m !== null);
if (missing.length > 0) {
  process.stderr.write(`npm run torture needs ${missing.join(", ")}.\n`);
  process.exit(2);
}

const scenarioDir = new URL("./scenarios/", import.meta.url);
const scenarios: Scenario[] = [];
for (const file of readdirSync(scenarioDir).sort()) {
  if (!file.endsWith(".ts")) continue;
  const module = (await import(new URL(file, scenarioDir).href)) as { scenario?: Scenario };
  if (!module.scenario) throw new Error(`torture/scenarios/${file} exports no scenario`);
  scenarios.push(module.scenario);
}
const unknown = (only ?? []).filter((name) => !scenarios.some((s) => s.name === name));
if (unknown.length > 0) {
  throw new Error(
    `--only names unknown scenarios: ${unknown.join(", ")} (known: ${scenarios.map((s) => s.name).join(", ")})`,
  );
}

const scratch = mkdtempSync(join(tmpdir(), "reach-torture-"));
const results: ScenarioResult[] = [];
try {
  for (const scenario of scenarios) {
    if (only && !only.includes(scenario.name)) continue;
    const record = new Recorder();
    const started = Date.now();
    let error: string | undefined;
    try {
      await scenario.run(
        {
          quick,
          scratchDir: (name) => {
            const dir = join(scratch, `${scenario.name}-${name}`);
            mkdirSync(dir, { recursive: true });
            return dir;
          },
        },
        record,
      );
    } catch (thrown) {
      error = thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown);
    }
    const result: ScenarioResult = {
      name: scenario.name,
      title: scenario.title,
      group: scenario.group,
      seconds: (Date.now() - started) / 1000,
      figures: record.figures,
      checks: record.checks,
      error,
    };
    results.push(result);
    const failed = failedChecks([result]);
    process.stderr.write(
      `${scenario.name}: ${failed === 0 ? "passed" : `${failed} FAILED`} in ${result.seconds.toFixed(1)} s\n`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const report = only
  ? mergeWithPrevious(
      results,
      scenarios.map((s) => s.name),
    )
  : results;
process.stdout.write(writeTortureReport(quick, report));
// The exit code speaks for this run's scenarios only.
process.exitCode = failedChecks(results) === 0 ? 0 : 1;

function commandExists(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
