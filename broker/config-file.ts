// The broker's config file (TOML): the keys of the settings table, each value checked by
// the type its row names (zod) and then by the same check as its flag. The first problem,
// in the file's order, is the one error, named `FILE:LINE: key: what is wrong`; a file
// with a problem yields no settings at all, so nothing starts half-configured.
import { readFile } from "node:fs/promises";
import { parse, TomlError } from "smol-toml";
import { z } from "zod";
import {
  BROKER_SETTINGS,
  type FileKind,
  SETTING_GROUPS,
  settingName,
  settingPath,
} from "./settings.js";
import { lineOf, tomlKeyLines } from "./toml-key-lines.js";

export interface FileValue {
  /** In the flag's spelling. */
  value: string;
  line: number;
}

export class ConfigFileError extends Error {}

/** Each kind's zod schema, and how its value is spelled as the flag would take it. */
const FILE_KINDS: Record<FileKind, { schema: z.ZodType; expected: string }> = {
  text: { schema: z.string(), expected: "a string" },
  integer: { schema: z.number().int(), expected: "a whole number" },
  list: { schema: z.union([z.string(), z.array(z.string())]), expected: "a list of strings" },
  "port-or-word": {
    schema: z.union([z.number().int(), z.string()]),
    expected: "a port number or a word",
  },
};

function asFlagValue(value: unknown): string {
  return Array.isArray(value) ? value.join(",") : String(value);
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date";
  if (value !== null && typeof value === "object") return "a table";
  if (typeof value === "number") return Number.isInteger(value) ? "a whole number" : "a fraction";
  return `a ${typeof value}`;
}

const BY_PATH = new Map(BROKER_SETTINGS.map((setting) => [settingPath(setting), setting]));

/** Setting name → its value and line, from a config file's text (`fileName` for errors). */
export function parseConfigText(text: string, fileName: string): Map<string, FileValue> {
  let document: Record<string, unknown>;
  try {
    document = parse(text);
  } catch (error) {
    if (error instanceof TomlError) {
      const sentence = error.message.split("\n")[0]?.replace(/^Invalid TOML document: /, "");
      throw new ConfigFileError(
        `${fileName}:${error.line}:${error.column}: not valid TOML: ${sentence}.`,
      );
    }
    throw error;
  }
  const lines = tomlKeyLines(text);
  const problems: { line: number; message: string }[] = [];
  const values = new Map<string, FileValue>();
  const problem = (path: string[], message: string) =>
    problems.push({ line: lineOf(lines, path) ?? 1, message: `${path.join(".")}: ${message}` });

  const visit = (path: string[], value: unknown) => {
    const setting = BY_PATH.get(path.join("."));
    if (!setting) {
      problem(path, unknownKey(path.join(".")));
      return;
    }
    const line = lineOf(lines, path) ?? 1;
    const kind = FILE_KINDS[setting.file];
    if (!kind.schema.safeParse(value).success) {
      problem(path, `must be ${kind.expected}, not ${typeName(value)}.`);
      return;
    }
    const flagValue = asFlagValue(value);
    try {
      setting.check(flagValue);
    } catch (error) {
      problem(path, (error as Error).message);
      return;
    }
    values.set(settingName(setting), { value: flagValue, line });
  };

  for (const [key, value] of Object.entries(document)) {
    if ((SETTING_GROUPS as readonly string[]).includes(key)) {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        problem([key], `is a table of settings ([${key}]), not ${typeName(value)}.`);
        continue;
      }
      for (const [inner, innerValue] of Object.entries(value)) visit([key, inner], innerValue);
    } else {
      visit([key], value);
    }
  }
  const first = problems.sort((a, b) => a.line - b.line)[0];
  if (first) throw new ConfigFileError(`${fileName}:${first.line}: ${first.message}`);
  return values;
}

export async function loadConfigFile(path: string): Promise<Map<string, FileValue>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigFileError(
      `${path}: cannot read the config file (${(error as Error).message}).`,
    );
  }
  return parseConfigText(text, path);
}

function unknownKey(key: string): string {
  const nearest = nearestKey(key);
  return `no such setting${nearest ? `; did you mean "${nearest}"?` : "."}`;
}

/** The known key closest to `key` by edit distance, if close enough to be a typo. */
function nearestKey(key: string): string | undefined {
  let best: { path: string; distance: number } | undefined;
  for (const path of BY_PATH.keys()) {
    const distance = editDistance(key, path);
    if (!best || distance < best.distance) best = { path, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.path : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(
        Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
