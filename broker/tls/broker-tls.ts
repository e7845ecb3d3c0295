// The broker's certificates when an ACME CA provides them: the plain HTTP listener
// (HTTP-01 answers and the redirect to https) and the certificate manager, whose every new
// certificate replaces the TLS listener's secure context. setSecureContext() applies to
// handshakes from then on; connections already open keep the context they shook hands
// with, so a renewal drops nothing.
import type { Server } from "node:http";
import { Server as HttpsServer } from "node:https";
import type { BrokerConfig } from "../config.js";
import type { ChallengeRecords } from "../dns/challenge-records.js";
import type { Logger } from "../log.js";
import { CertificateManager } from "./certificate-manager.js";
import {
  createHttpChallengeServer,
  HttpChallenges,
  listenForHttp,
} from "./http-challenge-server.js";
import { orderNames } from "./order-names.js";

export interface BrokerTls {
  /** Null when the certificate comes from --tls-cert/--tls-key (or there is none). */
  certificates: CertificateManager | null;
  close(): Promise<void>;
}

export async function startBrokerTls(
  config: BrokerConfig,
  parts: {
    server: Server;
    challenges: ChallengeRecords;
    /** The cluster's shared account key (CertificateManagerOptions.accountKey), if any. */
    accountKey?: (create: () => Promise<string>) => Promise<string>;
    httpsPort: () => number;
    log: Logger;
  },
): Promise<BrokerTls> {
  const httpChallenges = new HttpChallenges();
  const http = config.httpListen
    ? createHttpChallengeServer(httpChallenges, parts.httpsPort)
    : null;
  const close = async () => {
    certificates?.stop();
    if (http?.listening) {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  };
  let certificates: CertificateManager | null = null;
  try {
    if (http && config.httpListen) {
      await listenForHttp(http, config.httpListen.host, config.httpListen.port);
    }
    const { server } = parts;
    if (config.acme) {
      if (!(server instanceof HttpsServer)) throw new Error("ACME needs the TLS listener.");
      certificates = new CertificateManager({
        acme: config.acme,
        dataDir: config.dataDir,
        node: config.node,
        names: orderNames(config),
        challenges: parts.challenges,
        ...(parts.accountKey ? { accountKey: parts.accountKey } : {}),
        httpChallenges,
        install: ({ key, cert }) => server.setSecureContext({ key, cert }),
        log: parts.log,
      });
      await certificates.start();
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { certificates, close };
}
