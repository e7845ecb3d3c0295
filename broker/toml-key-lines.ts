// The line each key of a TOML document is set on. smol-toml gives values without their
// places, and an error about a key is only useful with its line; so, once smol-toml has
// accepted the document, this reads the lines again for just the two shapes a key can take
// at the start of a line: a [table] header, and `key = …` (dotted keys included).
const HEADER = /^\[\s*([^\]]+?)\s*\]/;
const ASSIGNMENT =
  /^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/;

function keyParts(text: string): string[] {
  return text.split(".").map((part) => part.trim().replace(/^["']|["']$/g, ""));
}

/** "acme.email" → 1-based line of its first appearance; tables by their header's line. */
export function tomlKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let table: string[] = [];
  // Lines inside a multi-line string or array are values, not keys: skip until it closes.
  let open: string | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (open) {
      if (line.includes(open)) open = undefined;
      return;
    }
    const header = HEADER.exec(line);
    if (header && !line.startsWith("[[")) {
      table = keyParts(header[1] as string);
      remember(lines, table, index + 1);
      return;
    }
    const assignment = ASSIGNMENT.exec(line);
    if (!assignment) return;
    remember(lines, [...table, ...keyParts(assignment[1] as string)], index + 1);
    const value = line.slice(assignment[0].length).trim();
    for (const quotes of ['"""', "'''"]) {
      if (value.startsWith(quotes) && value.indexOf(quotes, 3) === -1) open = quotes;
    }
    if (value.startsWith("[") && !value.includes("]")) open = "]";
  });
  return lines;
}

function remember(lines: Map<string, number>, path: string[], line: number): void {
  const key = path.join(".");
  if (!lines.has(key)) lines.set(key, line);
}

/** The line of `path`, or of the nearest enclosing table or inline table that has one. */
export function lineOf(lines: Map<string, number>, path: string[]): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const line = lines.get(path.slice(0, n).join("."));
    if (line !== undefined) return line;
  }
  return undefined;
}
