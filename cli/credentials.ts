// Resolves the key pair and API URL a client command uses: explicit flags, else a profile.
import { readProfile } from "../common/credentials-file.js";
import type { R3Credentials } from "../common/r3-signature.js";

export interface CredentialFlags {
  api?: string;
  key?: string;
  secret?: string;
  profile?: string;
}

export async function resolveCredentials(
  flags: CredentialFlags,
): Promise<{ credentials: R3Credentials; apiUrl: string }> {
  if (flags.key || flags.secret) {
    if (!flags.key || !flags.secret) throw new Error("--key and --secret go together.");
    if (!flags.api) throw new Error("--api URL is needed with --key/--secret.");
    return {
      credentials: { accessKeyId: flags.key, secretAccessKey: flags.secret },
      apiUrl: flags.api,
    };
  }
  const profile = await readProfile(flags.profile ?? "default");
  return {
    credentials: { accessKeyId: profile.accessKeyId, secretAccessKey: profile.secretAccessKey },
    apiUrl: flags.api ?? profile.apiUrl,
  };
}
