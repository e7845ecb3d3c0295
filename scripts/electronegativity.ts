// Runs Doyensec's electronegativity over the Electron app's sources and compares what it
// finds with the findings accepted in docs/security-electronegativity-accepted.json (each
// one justified in docs/security.md). Exits 1 on a finding not accepted there, and on an
// accepted one that no longer appears, so the list stays true. `npm run security:electron`.
//
// It drives electronegativity's own loader-free pieces (Parser, Finder, GlobalChecks) the
// way its runner does, instead of its CLI or run(): both of those first fetch translations
// over the network, and its AVAILABLE_SECURITY_FIXES global check fetches Electron's
// release list on every run. Here nothing touches the network: translations come from the
// package's bundled en-US file, that global check is excluded with the version check that
// only feeds it (keeping Electron current is a dependency update, not a source finding),
// and the Electron version the checks assume is the one package-lock.json locks.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const ACCEPTED_FILE = join(ROOT, "docs", "security-electronegativity-accepted.json");

/** What is scanned: everything Electron loads or is started with. */
const INPUTS = [
  "main/electron", // the main process
  "main/launcher", // how Electron is started (arguments, environment)
  "preload", // the preload script
  "renderer/index.html", // the page (its CSP meta tag)
  "renderer/src", // the renderer
  "package.json", // Electron switches in scripts
];
const SOURCE = /\.(ts|tsx|js|jsx|html|json)$/;
/**
 * Checks never run here (lower-case class names, as electronegativity takes them): the one
 * that fetches Electron's release notes, and the informational one that only feeds it.
 */
const EXCLUDED_GLOBAL_CHECKS = ["availablesecurityfixesglobalcheck"];
const EXCLUDED_CHECKS = ["electronversionjsoncheck"];

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  description: string;
  severity: { name: string; value: number };
  confidence: { name: string; value: number };
  visibility?: { inlineDisabled: boolean; globalCheckDisabled: boolean };
}
const acceptedList = z.object({
  accepted: z.array(
    z.object({
      /** The check's id, e.g. OPEN_EXTERNAL_JS_CHECK. */
      check: z.string().regex(/^[A-Z0-9_]+$/),
      /** Repository-relative, with forward slashes; "N/A" for an app-wide finding. */
      file: z.string().min(1),
      /** One line; the full justification is in docs/security.md. */
      why: z.string().min(1),
    }),
  ),
});
interface Finder {
  find(
    file: string,
    data: unknown,
    type: number,
    content: string,
    onlyChecks: null,
    electronVersion: string,
  ): Promise<Issue[]>;
}

function listFiles(path: string): string[] {
  const absolute = join(ROOT, path);
  if (!statSync(absolute).isDirectory()) return [absolute];
  return readdirSync(absolute, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listFiles(join(path, entry.name))
      : SOURCE.test(entry.name)
        ? [join(absolute, entry.name)]
        : [],
  );
}

function lockedElectronVersion(): string {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages?: Record<string, { version?: string }>;
  };
  const version = lock.packages?.["node_modules/electron"]?.version;
  if (!version) throw new Error("package-lock.json does not lock electron.");
  return version;
}

async function scan(files: string[], electronVersion: string): Promise<Issue[]> {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve("@doyensec/electronegativity/package.json"));
  const fromPackage = createRequire(join(packageDir, "package.json"));
  // The checks' descriptions are looked up through a global __() at construction.
  const i18n = fromPackage("i18n") as {
    configure(options: object): void;
    setLocale(locale: string): void;
  };
  i18n.configure({
    locales: ["en-US"],
    defaultLocale: "en-US",
    directory: join(packageDir, "dist", "locales"),
    updateFiles: false,
    objectNotation: true,
    retryInDefaultLocale: true,
    register: globalThis,
  });
  i18n.setLocale("en-US");
  const { Parser } = fromPackage("./dist/parser") as {
    Parser: new (
      babelFirst: boolean,
      typescriptBabelFirst: boolean,
    ) => {
      parse(file: string, content: Buffer): [number, unknown, string, { message: string }[]?];
    };
  };
  const { Finder, GlobalChecks } = fromPackage("./dist/finder") as {
    Finder: new (scan: string[], exclude: string[], upgrade?: string) => Finder;
    GlobalChecks: new (
      scan: string[],
      exclude: string[],
      upgrade?: string,
    ) => { getResults(issues: Issue[], output?: string): Promise<Issue[]> };
  };

  const parser = new Parser(false, true); // as electronegativity's runner: Babel first for TS
  const finder = new Finder([], EXCLUDED_CHECKS);
  const globalChecks = new GlobalChecks([], EXCLUDED_GLOBAL_CHECKS);
  const issues: Issue[] = [];
  for (const file of files) {
    const [type, data, content, warnings] = parser.parse(file, readFileSync(file));
    if (data === null) continue;
    for (const warning of warnings ?? []) {
      throw new Error(
        `${relative(ROOT, file)}: electronegativity could not parse it: ${warning.message}`,
      );
    }
    issues.push(...(await finder.find(file, data, type, content, null, electronVersion)));
  }
  // Global checks turn the atomic findings into the final ones (and mark those they handled).
  // An inline `eng-disable` comment does not hide a finding: only the accepted list does.
  return (await globalChecks.getResults(issues, "none")).filter(
    (issue) => !issue.visibility?.globalCheckDisabled,
  );
}

function where(issue: Issue): string {
  return issue.file === "N/A" ? "N/A" : relative(ROOT, issue.file).split(sep).join("/");
}

const started = performance.now();
const { accepted } = acceptedList.parse(JSON.parse(readFileSync(ACCEPTED_FILE, "utf8")));
const files = INPUTS.flatMap(listFiles);
const electronVersion = lockedElectronVersion();
const issues = await scan(files, electronVersion);

const key = (check: string, file: string) => `${check} ${file}`;
const acceptedKeys = new Set(accepted.map((a) => key(a.check, a.file)));
const foundKeys = new Set(issues.map((issue) => key(issue.id, where(issue))));
const unaccepted = issues.filter((issue) => !acceptedKeys.has(key(issue.id, where(issue))));
const stale = accepted.filter((a) => !foundKeys.has(key(a.check, a.file)));

for (const issue of unaccepted) {
  const { line, column } = issue.location;
  const at = issue.file === "N/A" ? "(app-wide)" : `${where(issue)}:${line}:${column}`;
  process.stderr.write(
    `electronegativity: ${at} ${issue.id} (${issue.severity.name}, ${issue.confidence.name}): ${issue.description}\n`,
  );
}
for (const entry of stale) {
  process.stderr.write(
    `electronegativity: stale entry in ${relative(ROOT, ACCEPTED_FILE)}: ${entry.check} in ${entry.file} is no longer found; remove it (and its justification in docs/security.md)\n`,
  );
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const summary = `${files.length} files, Electron ${electronVersion}, ${issues.length} findings (${issues.length - unaccepted.length} accepted in docs/security.md), ${seconds} s`;
if (unaccepted.length > 0 || stale.length > 0) {
  process.stderr.write(
    `electronegativity: FAILED: ${unaccepted.length} new, ${stale.length} stale; ${summary}\n`,
  );
  process.exit(1);
}
process.stdout.write(`electronegativity: ok: ${summary}\n`);
