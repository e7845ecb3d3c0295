import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { writeFileAtomically } from "../../common/fs/atomic-write.js";

const accountSchema = z.object({
  accessKeyId: z.string().min(1),
  profile: z.string().min(1).nullable(),
});
export type Account = z.infer<typeof accountSchema>;

export class AccountFile {
  constructor(readonly path: string) {}

  /** The account last signed in; a missing or damaged file is no account (the vault still signs in). */
  async load(): Promise<Account | null> {
    try {
      const parsed = accountSchema.safeParse(JSON.parse(await readFile(this.path, "utf8")));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  async save(account: Account): Promise<void> {
    await writeFileAtomically(this.path, `${JSON.stringify(account)}\n`, 0o600);
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

/**
 * The on-demand list of one account: dataDir/on-demand/<accessKeyId>.json. Key ids are
 * base32 on our broker, but a remote.it-compatible one may send anything: characters that
 * could name another directory are replaced.
 */
export function onDemandFileOf(dataDir: string, accessKeyId: string): string {
  return join(dataDir, "on-demand", `${accessKeyId.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);
}

/**
 * Before accounts had lists of their own, one dataDir/on-demand.json held the connections
 * of whoever was signed in. It becomes the list of the first account signed in after the
 * upgrade, unless that account has a list already (then the old file is left alone).
 */
export async function adoptLegacyOnDemand(dataDir: string, accountFile: string): Promise<void> {
  const legacy = join(dataDir, "on-demand.json");
  if (!(await exists(legacy)) || (await exists(accountFile))) return;
  await mkdir(dirname(accountFile), { recursive: true, mode: 0o700 });
  await rename(legacy, accountFile);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
