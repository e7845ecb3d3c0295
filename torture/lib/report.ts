// Writes a torture run's results: bench/results/torture.json (everything) and torture.md
// (one section per group, each scenario's checks and figures).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import type { Group, ScenarioResult } from "./scenario.js";

const RESULTS = new URL("../../bench/results/", import.meta.url);
const GROUP_TITLES: Record<Group, string> = {
  faults: "Faults",
  load: "Load",
  hostile: "Hostile input",
};

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function scenarioSection(result: ScenarioResult): string {
  const failed = result.checks.filter((c) => !c.ok).length + (result.error ? 1 : 0);
  const lines = [
    `### ${result.title} — ${failed === 0 ? "passed" : `**${failed} failed**`} (${result.seconds.toFixed(1)} s)`,
    "",
  ];
  if (result.error) lines.push(`**The scenario threw:** ${escapeCell(result.error)}`, "");
  if (Object.keys(result.figures).length > 0) {
    lines.push("| figure | value |", "| --- | --- |");
    for (const [name, value] of Object.entries(result.figures)) {
      lines.push(`| ${escapeCell(name)} | ${escapeCell(String(value))} |`);
    }
    lines.push("");
  }
  lines.push("| check | held | seen |", "| --- | --- | --- |");
  for (const check of result.checks) {
    lines.push(
      `| ${escapeCell(check.name)} | ${check.ok ? "yes" : "**no**"} | ${escapeCell(check.detail ?? "")} |`,
    );
  }
  return lines.join("\n");
}

export function failedChecks(results: ScenarioResult[]): number {
  return results.reduce((n, r) => n + r.checks.filter((c) => !c.ok).length + (r.error ? 1 : 0), 0);
}

/**
 * With `--only`, the other scenarios' last results are kept (in suite order), so the
 * report always covers the whole suite.
 */
export function mergeWithPrevious(results: ScenarioResult[], order: string[]): ScenarioResult[] {
  const file = new URL("torture.json", RESULTS);
  if (!existsSync(file)) return results;
  const previous = (JSON.parse(readFileSync(file, "utf8")) as { results: ScenarioResult[] })
    .results;
  const byName = new Map(previous.map((r) => [r.name, r]));
  for (const r of results) byName.set(r.name, r);
  return order.flatMap((name) => byName.get(name) ?? []);
}

/** Writes torture.json and torture.md; returns the Markdown. */
export function writeTortureReport(quick: boolean, results: ScenarioResult[]): string {
  const when = new Date().toISOString();
  const machine = `${cpus().length} × ${cpus()[0]?.model.split(" ").slice(0, 2).join(" ") ?? "CPU"}, Node ${process.version}`;
  const failed = failedChecks(results);
  const checks = results.reduce((n, r) => n + r.checks.length, 0);
  const sections: string[] = [
    "# Reach torture suite",
    "",
    `${when}, ${machine}${quick ? ", --quick" : ""}. ${checks} checks in ${results.length} scenarios, ${failed} failed. Every scenario runs the real broker, agents, services and clients on loopback.`,
  ];
  for (const group of Object.keys(GROUP_TITLES) as Group[]) {
    const inGroup = results.filter((r) => r.group === group);
    if (inGroup.length === 0) continue;
    sections.push("", `## ${GROUP_TITLES[group]}`, "", inGroup.map(scenarioSection).join("\n\n"));
  }
  const markdown = `${sections.join("\n")}\n`;
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    new URL("torture.json", RESULTS),
    `${JSON.stringify({ when, machine, quick, failed, results }, null, 2)}\n`,
  );
  writeFileSync(new URL("torture.md", RESULTS), markdown);
  return markdown;
}
