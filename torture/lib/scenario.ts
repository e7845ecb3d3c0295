// What a torture scenario is and what it reports: checks that must all hold, and figures
// (times, counts, rates) printed beside them. A scenario module in torture/scenarios/
// exports `scenario`; the runner loads every one of them in file-name order.
export type Group = "faults" | "load" | "hostile";

export interface Check {
  name: string;
  ok: boolean;
  /** What was seen, especially when it is not what was expected. */
  detail?: string;
}

export interface ScenarioResult {
  name: string;
  title: string;
  group: Group;
  seconds: number;
  figures: Record<string, number | string>;
  checks: Check[];
  /** Set when the scenario itself threw: it counts as a failed check. */
  error?: string;
}

export interface TortureContext {
  /** `--quick`: shorter loads and fewer rounds, the same checks. */
  quick: boolean;
  /** A fresh directory under the run's scratch space, removed after the run. */
  scratchDir(name: string): string;
}

export class Recorder {
  readonly figures: Record<string, number | string> = {};
  readonly checks: Check[] = [];

  /** Records a check; returns `ok` so a scenario can stop early when a premise fails. */
  check(name: string, ok: boolean, detail?: string): boolean {
    this.checks.push(detail === undefined ? { name, ok } : { name, ok, detail });
    return ok;
  }

  figure(name: string, value: number | string): void {
    this.figures[name] = typeof value === "number" ? Number(value.toFixed(3)) : value;
  }
}

export interface Scenario {
  /** Short id used by `--only=`, e.g. "broker-kill". */
  name: string;
  title: string;
  group: Group;
  run(ctx: TortureContext, record: Recorder): Promise<void>;
}
