// A broker for this computer alone (127.0.0.1 only), with a user whose key is saved as
// profile "local", so the desktop app can sign in on first start with nothing typed.
// Its store is the default one (~/.reach/broker), so `reach admin` finds it.
import { type RunningBroker, startBroker } from "../broker/broker.js";
import { defaultDataDir } from "../broker/config.js";
import { createLogger } from "../broker/log.js";
import { readProfile, writeProfile } from "../common/credentials-file.js";

export const LOCAL_PROFILE = "local";

export interface LocalStack {
  apiUrl: string;
  profile: string;
  broker: RunningBroker;
  stop(): Promise<void>;
}

export async function startLocalStack(
  options: { brokerDataDir?: string; port?: number } = {},
): Promise<LocalStack> {
  const broker = await startBroker(
    {
      dataDir: options.brokerDataDir ?? defaultDataDir(),
      listenHost: "127.0.0.1",
      listenPort: options.port ?? 29090,
    },
    createLogger(false),
  );
  const existing = await readProfile(LOCAL_PROFILE).catch(() => null);
  const known =
    existing &&
    existing.apiUrl === broker.apiUrl &&
    (await broker.users.findByAccessKey(existing.accessKeyId));
  if (!known) {
    const keys = await broker.users.createUserWithKey("me@localhost");
    await writeProfile(LOCAL_PROFILE, {
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      apiUrl: broker.apiUrl,
    });
  }
  return { apiUrl: broker.apiUrl, profile: LOCAL_PROFILE, broker, stop: () => broker.close() };
}
