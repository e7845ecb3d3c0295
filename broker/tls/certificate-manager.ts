// One node's certificate from an ACME CA, with acme-client (RFC 8555, kept up by its
// authors, promise-based, no native parts): loaded from the data dir when it still covers
// this node's names, otherwise ordered; renewed once two-thirds of its lifetime has passed;
// each new one handed to install() (the TLS listener's hot swap). A failed order is retried
// with a growing delay and logged; the certificate served meanwhile stays in place.
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Authorization } from "acme-client";
import { crypto as acmeCrypto, Client } from "acme-client";
import { messageOf } from "../../common/result.js";
import type { AcmeSettings } from "../config.js";
import type { ChallengeRecords } from "../dns/challenge-records.js";
import type { Logger } from "../log.js";
import { AcmeFiles, type KeyAndChain } from "./acme-files.js";
import { trustDirectoryRoots } from "./directory-trust.js";
import type { HttpChallenges } from "./http-challenge-server.js";
import { LONGEST_TIMER_MS, renewalDue, retryDelayMs } from "./renewal-time.js";

export interface CertificateManagerOptions {
  acme: AcmeSettings;
  dataDir: string;
  node: number;
  /** The names to cover (orderNames()). */
  names: string[];
  challenges: ChallengeRecords;
  /**
   * Where the account key is kept, given the maker of a new one: a cluster's store, so that
   * its nodes order as one account. By default the data dir (AcmeFiles.accountKey).
   */
  accountKey?: (create: () => Promise<string>) => Promise<string>;
  httpChallenges: HttpChallenges;
  install(pair: KeyAndChain): void;
  log: Logger;
}

export interface CertificateFacts {
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** When the next order starts: two-thirds into the lifetime. */
  renewalDue: Date;
}

export class CertificateManager {
  private readonly files: AcmeFiles;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private failures = 0;
  private untrust: (() => void) | null = null;
  private served: CertificateFacts | null = null;
  private account: string | null = null;

  constructor(private readonly options: CertificateManagerOptions) {
    this.files = new AcmeFiles(options.dataDir, options.node);
  }

  /** The CA's URL of the account the last order was made with (the CA's name for it). */
  get accountUrl(): string | null {
    return this.account;
  }

  /** The certificate installed now, or null before the first one. */
  get current(): CertificateFacts | null {
    return this.served;
  }

  /**
   * Installs the stored certificate if it still fits, then schedules its renewal (or the
   * first order, at once). Orders run in the background: the broker listens meanwhile.
   */
  async start(): Promise<void> {
    const { acme } = this.options;
    if (acme.caRootFile) {
      const roots = await readFile(acme.caRootFile, "utf8").catch((error) => {
        throw new Error(`Cannot read --acme-ca ${acme.caRootFile}: ${messageOf(error)}.`);
      });
      this.untrust = trustDirectoryRoots(acme.directoryUrl, roots);
    }
    const stored = await this.files.loadCertificate();
    const facts = stored ? factsOf(stored.cert) : null;
    if (stored && facts && covers(stored.cert, this.options.names) && facts.notAfter > new Date()) {
      this.install(stored, facts);
      this.schedule(facts.renewalDue.getTime() - Date.now());
    } else {
      this.schedule(0);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.untrust?.();
    this.untrust = null;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const due = Date.now() + Math.max(0, delayMs);
    const wake = () => {
      const left = due - Date.now();
      if (left > 0) {
        this.timer = setTimeout(wake, Math.min(left, LONGEST_TIMER_MS));
        this.timer.unref();
        return;
      }
      void this.renew();
    };
    wake();
  }

  private async renew(): Promise<void> {
    const { log, names } = this.options;
    try {
      log.info("ordering a certificate", { names, directory: this.options.acme.directoryUrl });
      const pair = await this.order();
      if (this.stopped) return;
      const facts = factsOf(pair.cert);
      if (!facts) throw new Error("the CA returned a certificate Node cannot read");
      await this.files.saveCertificate(pair);
      this.install(pair, facts);
      this.failures = 0;
      log.info("certificate installed", {
        names,
        account: this.account,
        serial: facts.serial,
        notAfter: facts.notAfter.toISOString(),
        renewal: facts.renewalDue.toISOString(),
      });
      this.schedule(facts.renewalDue.getTime() - Date.now());
    } catch (error) {
      if (this.stopped) return;
      this.failures++;
      const delay = retryDelayMs(this.failures);
      log.error("certificate order failed", {
        names,
        error: messageOf(error),
        attempt: this.failures,
        retryInSeconds: Math.round(delay / 1000),
      });
      this.schedule(delay);
    }
  }

  private async order(): Promise<KeyAndChain> {
    const { acme, names, challenges, httpChallenges } = this.options;
    const create = async () => (await acmeCrypto.createPrivateEcdsaKey()).toString();
    const accountKey = this.options.accountKey
      ? await this.options.accountKey(create)
      : await this.files.accountKey(create);
    const client = new Client({ directoryUrl: acme.directoryUrl, accountKey });
    const [key, csr] = await acmeCrypto.createCsr(
      { commonName: names[0], altNames: names },
      await acmeCrypto.createPrivateEcdsaKey(),
    );
    const txtName = (authz: Authorization) => `_acme-challenge.${authz.identifier.value}`;
    const cert = await client.auto({
      csr,
      email: acme.email,
      termsOfServiceAgreed: true,
      challengePriority: [acme.challenge],
      // acme-client's own check asks the system's resolver and port 80 of the public name;
      // the CA's check is the one that counts, and the answers are served by this broker.
      skipChallengeVerification: true,
      challengeCreateFn: async (authz, challenge, keyAuthorization) => {
        if (challenge.type === "http-01") httpChallenges.set(challenge.token, keyAuthorization);
        else await challenges.add(txtName(authz), keyAuthorization);
      },
      challengeRemoveFn: async (authz, challenge, keyAuthorization) => {
        if (challenge.type === "http-01") httpChallenges.delete(challenge.token);
        else await challenges.remove(txtName(authz), keyAuthorization);
      },
    });
    this.account = client.getAccountUrl();
    return { key: key.toString(), cert };
  }

  private install(pair: KeyAndChain, facts: CertificateFacts): void {
    this.options.install(pair);
    this.served = facts;
  }
}

function factsOf(chainPem: string): CertificateFacts | null {
  try {
    const leaf = new X509Certificate(chainPem);
    const notBefore = new Date(leaf.validFrom);
    const notAfter = new Date(leaf.validTo);
    return {
      serial: leaf.serialNumber,
      notBefore,
      notAfter,
      renewalDue: renewalDue(notBefore, notAfter),
    };
  } catch {
    return null;
  }
}

/** True when the leaf names every one of `names` (a changed --domain or --node reorders). */
function covers(chainPem: string, names: string[]): boolean {
  const san = new X509Certificate(chainPem).subjectAltName ?? "";
  const listed = new Set(san.split(", ").map((entry) => entry.replace(/^DNS:/, "").toLowerCase()));
  return names.every((name) => listed.has(name));
}
