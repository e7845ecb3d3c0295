// The headless host's vault: a file only this user can read (0600). There is no OS
// keychain on a server, and the UI says so rather than pretending.
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { VaultStatus } from "../../../common/desktop-api.js";
import type { CredentialVault, StoredCredentials } from "./credential-vault.js";

export class FileVault implements CredentialVault {
  constructor(private readonly path: string) {}

  status(): VaultStatus {
    return {
      backend: "file",
      encrypted: false,
      note: `Headless mode has no OS keychain: the secret is kept unencrypted in ${this.path}, readable only by you.`,
    };
  }

  async load(): Promise<StoredCredentials | null> {
    try {
      const parsed = JSON.parse(await readFile(this.path, "utf8")) as Partial<StoredCredentials>;
      if (!parsed.apiUrl || !parsed.accessKeyId || !parsed.secretAccessKey) return null;
      return {
        apiUrl: parsed.apiUrl,
        accessKeyId: parsed.accessKeyId,
        secretAccessKey: parsed.secretAccessKey,
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async save(credentials: StoredCredentials): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(credentials), { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.path);
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
