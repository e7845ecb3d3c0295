// The credential flags every client command takes (--api, --key, --secret, --profile), and
// the key pair and API URL they resolve to: explicit flags, else a profile.
import type { Command } from "commander";
import { readProfile } from "../common/credentials-file.js";
import type { R3Credentials } from "../common/r3-signature.js";

/** Where --key finds its secret when --secret is not given. */
export const SECRET_ENV = "REACH_SECRET_ACCESS_KEY";

/** The --secret option's help, the same for every command that takes keys. */
export const SECRET_HELP = `R3 secret access key (visible in process listings: prefer --profile or ${SECRET_ENV})`;

export interface CredentialFlags {
  api?: string;
  key?: string;
  secret?: string;
  profile?: string;
}

/** Adds --api, --key, --secret and --profile, worded the same in every command's help. */
export function withCredentialOptions(command: Command): Command {
  return command
    .option("--api <url>", "the broker's GraphQL URL (default: the profile's R3_API_URL)")
    .option("--key <id>", "R3 access key id")
    .option("--secret <secret>", SECRET_HELP)
    .option("--profile <name>", "profile in ~/.reach/credentials (default: default)");
}

export async function resolveCredentials(
  flags: CredentialFlags,
): Promise<{ credentials: R3Credentials; apiUrl: string }> {
  // Flags show in process listings to every local user; the environment does not.
  const secret = flags.secret ?? (flags.key ? process.env[SECRET_ENV] : undefined);
  if (flags.key || secret) {
    if (!flags.key || !secret) {
      throw new Error(`--key needs --secret (or ${SECRET_ENV} in the environment).`);
    }
    if (!flags.api) throw new Error("--api URL is needed with --key/--secret.");
    return {
      credentials: { accessKeyId: flags.key, secretAccessKey: secret },
      apiUrl: flags.api,
    };
  }
  const profile = await readProfile(flags.profile ?? "default");
  return {
    credentials: { accessKeyId: profile.accessKeyId, secretAccessKey: profile.secretAccessKey },
    apiUrl: flags.api ?? profile.apiUrl,
  };
}
