// Where the signed-in account's key pair lives between runs. Only the core reads it.
import type { VaultStatus } from "../../../common/desktop-api.js";
import type { ApiCredentials } from "../../../common/r3-signature.js";

/** The signed-in account's key pair and broker. */
export type StoredCredentials = ApiCredentials;

export interface CredentialVault {
  status(): VaultStatus;
  load(): Promise<StoredCredentials | null>;
  save(credentials: StoredCredentials): Promise<void>;
  /** Sign-out: the stored secret is gone for good. */
  clear(): Promise<void>;
}
