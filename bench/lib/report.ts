// Writes a run's results: latest.json (everything), latest.md (tables and targets) and
// latest.svg (throughput and setup latency per path).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import type { SuiteResult, Target } from "./context.js";

const RESULTS = new URL("../results/", import.meta.url);

function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  if (!head) return "";
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...body.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

/** Rows with figures: not the header, a missing peer's row or a ratio ("… ÷ …"). */
function measuredRows(table: string[][]): string[][] {
  return table.slice(1).filter((r) => Number.isFinite(Number(r[1])) && !r[0]?.includes("÷"));
}

function bars(
  title: string,
  series: { label: string; values: [string, number][] }[],
  unit: string,
  y: number,
): [string, number] {
  const max = Math.max(1, ...series.flatMap((s) => s.values.map(([, v]) => v)));
  const rowHeight = 14;
  let out = `<text x="10" y="${y}" font-weight="bold">${title}</text>`;
  let cursor = y + 10;
  const colors = ["#0b63ce", "#7aa7e0"];
  for (const s of series) {
    out += `<text x="10" y="${cursor + 11}">${s.label}</text>`;
    s.values.forEach(([name, value], i) => {
      const width = Math.max(1, (value / max) * 380);
      out += `<rect x="220" y="${cursor}" width="${width.toFixed(1)}" height="12" fill="${colors[i % 2]}"/>`;
      out += `<text x="${(225 + width).toFixed(1)}" y="${cursor + 10}" font-size="10">${name} ${value} ${unit}</text>`;
      cursor += rowHeight;
    });
    cursor += 6;
  }
  return [out, cursor + 14];
}

/**
 * Writes the report. With `merge`, suites this run did not measure are kept from the
 * previous latest.json, so one suite can be re-run without losing the others.
 */
export function writeReport(
  quick: boolean,
  measured: Record<string, SuiteResult>,
  merge = false,
): string {
  const previous =
    merge && existsSync(new URL("latest.json", RESULTS))
      ? ((
          JSON.parse(readFileSync(new URL("latest.json", RESULTS), "utf8")) as {
            suites?: Record<string, SuiteResult & { when?: string }>;
          }
        ).suites ?? {})
      : {};
  const suites: Record<string, SuiteResult> = { ...previous, ...measured };
  const targets: Target[] = Object.values(suites).flatMap((s) => s.targets ?? []);
  const summary = {
    when: new Date().toISOString(),
    quick,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "", node: process.version },
    suites: Object.fromEntries(
      Object.entries(suites).map(([k, s]) => [
        k,
        { title: s.title, table: s.table, data: s.data, targets: s.targets },
      ]),
    ),
    targets,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(new URL("latest.json", RESULTS), `${JSON.stringify(summary, null, 2)}\n`);
  const markdown = [
    `# Reach benchmarks${quick ? " (quick)" : ""}`,
    "",
    `${summary.when}, ${summary.machine.cpus} × ${summary.machine.model}, Node ${summary.machine.node}. Every path is measured in the same run; compare ratios, not absolute numbers.`,
    "",
    "![throughput and latency](latest.svg)",
    "",
    "## Targets",
    "",
    markdownTable([
      ["target", "measured", "bound", "met"],
      ...targets.map((t) => [t.name, String(t.value), t.bound, t.met ? "yes" : "**no**"]),
    ]),
    "",
    ...Object.values(suites).flatMap((s) => [`## ${s.title}`, "", markdownTable(s.table), ""]),
  ].join("\n");
  writeFileSync(new URL("latest.md", RESULTS), markdown);

  const throughput = suites.throughput;
  const latency = suites.setupLatency;
  let svg = "";
  let y = 20;
  if (throughput) {
    const [part, next] = bars(
      "Single-stream throughput (MiB/s)",
      measuredRows(throughput.table).map((r) => ({
        label: r[0] ?? "",
        values: [
          ["up", Number(r[1])],
          ["down", Number(r[2])],
        ],
      })),
      "MiB/s",
      y,
    );
    svg += part;
    y = next;
  }
  if (latency) {
    const [part, next] = bars(
      "Setup latency (ms)",
      measuredRows(latency.table).map((r) => ({
        label: r[0] ?? "",
        values: [
          ["p50", Number(r[1])],
          ["p99", Number(r[2])],
        ],
      })),
      "ms",
      y + 10,
    );
    svg += part;
    y = next;
  }
  writeFileSync(
    new URL("latest.svg", RESULTS),
    `<svg xmlns="http://www.w3.org/2000/svg" width="760" height="${y + 10}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>${svg}</svg>\n`,
  );
  return markdown;
}
