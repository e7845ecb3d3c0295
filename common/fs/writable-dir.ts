// Makes sure a data directory exists and can be written, or says in one sentence why not.
// A recursive mkdir on a read-only filesystem reports ENOENT, which names the wrong
// problem; the deepest existing ancestor's own error (EROFS, EACCES) names the right one.
import { accessSync, constants, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

const REASONS: Record<string, string> = {
  EROFS: "it is on a read-only filesystem",
  EACCES: "permission is denied",
  EPERM: "permission is denied",
  ENOSPC: "the disk is full",
  ENOTDIR: "a part of its path is a file, not a directory",
  EEXIST: "it exists and is not a directory",
};

export function ensureWritableDir(dir: string, what = "data directory"): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = deepestCause(dir) ?? (error as NodeJS.ErrnoException).code ?? "unknown";
    throw new Error(
      `The ${what} ${dir} cannot be written: ${REASONS[code] ?? "the system refused"} (${code}).`,
    );
  }
}

/** The error the closest existing ancestor gives for writing, if any. */
function deepestCause(dir: string): string | undefined {
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    accessSync(existing, constants.W_OK);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
  return undefined;
}
