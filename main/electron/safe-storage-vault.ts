// The credentials vault of the desktop app: the key pair encrypted with Electron's
// safeStorage (Keychain, DPAPI, libsecret/kwallet) in a file only the user can read.
// On Linux without a keyring safeStorage falls back to "basic_text"; the UI is told so.
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { safeStorage } from "electron";
import type { VaultStatus } from "../../common/desktop-api.js";
import type { CredentialVault, StoredCredentials } from "../core/vault/credential-vault.js";

export class SafeStorageVault implements CredentialVault {
  constructor(private readonly path: string) {}

  status(): VaultStatus {
    if (process.platform === "linux" && safeStorage.getSelectedStorageBackend() === "basic_text") {
      return {
        backend: "basic_text",
        encrypted: false,
        note: "No system keyring was found, so your secret is stored with a fixed key (Electron's basic_text): anyone who can read your files can read it.",
      };
    }
    return {
      backend: "keychain",
      encrypted: true,
      note: "Your secret is encrypted by the operating system's keychain.",
    };
  }

  async load(): Promise<StoredCredentials | null> {
    let sealed: Buffer;
    try {
      sealed = await readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(sealed);
    const credentials = JSON.parse(result) as StoredCredentials;
    if (shouldReEncrypt) await this.save(credentials);
    return credentials;
  }

  async save(credentials: StoredCredentials): Promise<void> {
    const sealed = await safeStorage.encryptStringAsync(JSON.stringify(credentials));
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, sealed, { mode: 0o600 });
    await rename(temporary, this.path);
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
