// Where the signed-in account's key pair lives between runs. Only the core reads it.
import type { VaultStatus } from "../../../common/desktop-api.js";

export interface StoredCredentials {
  apiUrl: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface CredentialVault {
  status(): VaultStatus;
  load(): Promise<StoredCredentials | null>;
  save(credentials: StoredCredentials): Promise<void>;
  /** Sign-out: the stored secret is gone for good. */
  clear(): Promise<void>;
}
