// The credentials file remote.it's tools use: ~/.reach/credentials, INI sections named
// after profiles, each holding R3_ACCESS_KEY_ID, R3_SECRET_ACCESS_KEY and R3_API_URL.
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import ini from "ini";
import type { ApiCredentials } from "./r3-signature.js";

/** One section of the file: R3_ACCESS_KEY_ID, R3_SECRET_ACCESS_KEY and R3_API_URL. */
export type Profile = ApiCredentials;

export const DEFAULT_API_URL = "http://127.0.0.1:29090/graphql/v1";

export function defaultCredentialsPath(): string {
  return process.env.REACH_CREDENTIALS ?? join(homedir(), ".reach", "credentials");
}

async function readIni(path: string): Promise<Record<string, Record<string, string>>> {
  try {
    return ini.parse(await readFile(path, "utf8")) as Record<string, Record<string, string>>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
}

export async function readProfile(
  name: string,
  path: string = defaultCredentialsPath(),
): Promise<Profile> {
  const sections = await readIni(path);
  const section = sections[name];
  if (!section) throw new Error(`No profile named "${name}" in ${path}.`);
  const accessKeyId = section.R3_ACCESS_KEY_ID;
  const secretAccessKey = section.R3_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(`Profile "${name}" in ${path} lacks R3_ACCESS_KEY_ID or R3_SECRET_ACCESS_KEY.`);
  }
  return { accessKeyId, secretAccessKey, apiUrl: section.R3_API_URL || DEFAULT_API_URL };
}

export async function listProfiles(path: string = defaultCredentialsPath()): Promise<string[]> {
  return Object.keys(await readIni(path));
}

/**
 * Adds or replaces one profile, keeping the others. Written to a temporary file and
 * renamed over the old one, so a crash never leaves a half-written credentials file.
 */
export async function writeProfile(
  name: string,
  profile: Profile,
  path: string = defaultCredentialsPath(),
): Promise<void> {
  const sections = await readIni(path);
  sections[name] = {
    R3_ACCESS_KEY_ID: profile.accessKeyId,
    R3_SECRET_ACCESS_KEY: profile.secretAccessKey,
    R3_API_URL: profile.apiUrl,
  };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, ini.stringify(sections), { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
