// What the certificate manager keeps under <dataDir>/acme/: the account key (account.key)
// and each node's key with its certificate chain in one PEM file (node-<N>.pem, key first),
// so a crash between two writes can never pair a new key with an old certificate. Both are
// written atomically and readable by the broker's user only (0600).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomically } from "../../common/fs/atomic-write.js";

export interface KeyAndChain {
  key: string;
  /** The leaf first, then the intermediates. */
  cert: string;
}

const KEY_BLOCK = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]+?-----END \1PRIVATE KEY-----\s*/;

export class AcmeFiles {
  private readonly dir: string;

  constructor(
    dataDir: string,
    private readonly node: number,
  ) {
    this.dir = join(dataDir, "acme");
  }

  get certificateFile(): string {
    return join(this.dir, `node-${this.node}.pem`);
  }

  /** The stored account key, or a new one from create(), stored before it is used. */
  async accountKey(create: () => Promise<string>): Promise<string> {
    const file = join(this.dir, "account.key");
    const stored = await readIfPresent(file);
    if (stored !== null) {
      if (!KEY_BLOCK.test(stored)) throw new Error(`${file} holds no PEM private key.`);
      return stored;
    }
    const key = await create();
    await writeFileAtomically(file, key, 0o600);
    return key;
  }

  async loadCertificate(): Promise<KeyAndChain | null> {
    const stored = await readIfPresent(this.certificateFile);
    if (stored === null) return null;
    const key = KEY_BLOCK.exec(stored)?.[0];
    const cert = stored.replace(KEY_BLOCK, "");
    if (!key || !cert.includes("-----BEGIN CERTIFICATE-----")) {
      throw new Error(`${this.certificateFile} is not a private key followed by a certificate.`);
    }
    return { key: key.trim(), cert: cert.trim() };
  }

  async saveCertificate(pair: KeyAndChain): Promise<void> {
    await writeFileAtomically(
      this.certificateFile,
      `${pair.key.trim()}\n${pair.cert.trim()}\n`,
      0o600,
    );
  }
}

async function readIfPresent(file: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
