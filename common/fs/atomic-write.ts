// Writes a whole file so that a crash or a full disk leaves the old contents or the new
// ones, never half of either: a temporary file in the same directory, then a rename over
// the old one. The temporary's name is unique per write, so two saves in flight cannot
// share (and tear) one; a failed write removes it.
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export async function writeFileAtomically(
  path: string,
  contents: string,
  mode: number,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, contents, { mode });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
