// The agent's stable identity: a random id kept in its data directory, so a restarted
// agent registers as the same device and keeps its device and service ids.
import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureWritableDir } from "../common/fs/writable-dir.js";

export async function loadHardwareId(dataDir: string): Promise<string> {
  const path = join(dataDir, "hardware-id");
  try {
    const existing = (await readFile(path, "utf8")).trim();
    if (/^[a-f0-9]{32}$/.test(existing)) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const id = randomBytes(16).toString("hex");
  ensureWritableDir(dataDir, "agent data directory");
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${id}\n`, { mode: 0o600 });
  await rename(temporary, path);
  return id;
}
