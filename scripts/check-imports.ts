// The dependency rules of docs/architecture.md, checked on every `npm test`: which top-level
// folder may import which, for production code and tests alike (a test under broker/test
// may import what broker/ may, plus test-support/), and no import cycles between files.
// The folders are the architecture; this keeps an arrow from appearing by accident.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { projectRoot } from "../main/launcher/project-root.js";

/**
 * What each folder may import besides itself. The arrows out of common/ are none: it is
 * the contracts every process shares. main → agent is "This computer" (the app runs an
 * agent in-process); main → client and cli → client are the broker client and on-demand
 * listeners; cli → everything is the command line starting each role.
 */
export const ALLOWED: Record<string, readonly string[]> = {
  common: [],
  agent: ["common"],
  broker: ["common"],
  client: ["common"],
  main: ["common", "client", "agent"],
  preload: ["common"],
  renderer: ["common"],
  cli: ["common", "client", "broker", "agent", "main"],
  "test-support": ["common", "broker", "agent", "client", "main"],
  e2e: ["common", "main", "test-support"],
  // bench → bin: its preflight asks bin/dist-freshness.js whether `reach` will run dist/node.
  bench: ["common", "test-support", "bin"],
  torture: ["common", "broker", "test-support"],
  scripts: ["common", "main"],
};

/** Tests of a folder may also use the shared harness. */
const TEST_EXTRA = ["test-support"];

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;

export interface Violation {
  file: string;
  target: string;
  why: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name === "dist") return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** The file a relative specifier names: sources import "./x.js" for "./x.ts". */
function resolveSpecifier(from: string, specifier: string): string {
  const target = resolve(dirname(from), specifier);
  return target.replace(/\.js$/, ".ts");
}

function folderOf(root: string, file: string): string {
  return relative(root, file).split(sep)[0] ?? "";
}

function isTest(root: string, file: string): boolean {
  return relative(root, file).split(sep).includes("test");
}

export function checkImports(root: string): Violation[] {
  const files = Object.keys(ALLOWED).flatMap((folder) => sourceFiles(join(root, folder)));
  const graph = new Map<string, string[]>();
  const violations: Violation[] = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const from = folderOf(root, file);
    const allowed = [from, ...(ALLOWED[from] ?? []), ...(isTest(root, file) ? TEST_EXTRA : [])];
    const edges: string[] = [];
    for (const match of text.matchAll(SPECIFIER)) {
      const target = resolveSpecifier(file, match[1] as string);
      edges.push(target);
      const to = folderOf(root, target);
      if (!allowed.includes(to)) {
        violations.push({
          file: relative(root, file),
          target: relative(root, target),
          why: `${from}/ may import only ${allowed.map((f) => `${f}/`).join(", ")}`,
        });
      }
    }
    graph.set(file, edges);
  }
  for (const cycle of cycles(graph)) {
    violations.push({
      file: relative(root, cycle[0] as string),
      target: relative(root, cycle[1] as string),
      why: `import cycle: ${cycle.map((f) => relative(root, f)).join(" → ")}`,
    });
  }
  return violations;
}

/** Each cycle once, as the path that closes it (depth-first, colouring files). */
function cycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, "open" | "done">();
  const found: string[][] = [];
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === "open") found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const violations = checkImports(projectRoot(import.meta.url));
  for (const v of violations) process.stderr.write(`${v.file} → ${v.target}: ${v.why}\n`);
  if (violations.length > 0) {
    process.stderr.write(
      `${violations.length} import rule violation(s); see docs/architecture.md.\n`,
    );
    process.exit(1);
  }
  process.stdout.write("Imports keep the dependency rules.\n");
}
