// Let's Encrypt's test CA, Debian's `pebble`, on loopback for ACME tests: its own config
// in a temporary directory, its HTTPS certificate from makeSelfSignedCert(), names resolved
// through the DNS server the test gives it. pebble makes a new root on every start; root()
// fetches it from the management endpoint for clients that must trust what it issued.
// Optionally `pebble-challtestsrv` as that DNS server: it answers every A query with
// 127.0.0.1, so HTTP-01 checks come to the broker's --http-listen on loopback.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connect, type TLSSocket } from "node:tls";
import { Agent, request } from "undici";
import type { AcmeSettings } from "../broker/config.js";
import { makeSelfSignedCert } from "./certs.js";
import { DEFAULT_WAIT_MS, startChild, type WatchedChild } from "./processes.js";
import { eventually, freePort, tempDir } from "./stack.js";

export interface Pebble {
  directoryUrl: string;
  /** The PEM file of pebble's own HTTPS certificate (for AcmeSettings.caRootFile). */
  caRootFile: string;
  /** The root that signs what pebble issues (a new one each start). */
  root(): Promise<string>;
  stop(): Promise<void>;
}

/** A broker's ACME settings for an account at this pebble. */
export function acmeSettings(pebble: Pebble, challenge: AcmeSettings["challenge"]): AcmeSettings {
  return {
    email: "ops@example.com",
    directoryUrl: pebble.directoryUrl,
    challenge,
    caRootFile: pebble.caRootFile,
  };
}

/** A TLS connection to a loopback broker that trusts only `ca` (pebble's root) for `servername`. */
export function connectTrusting(port: number, ca: string, servername: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername, ca }, () => resolve(socket));
    socket.once("error", reject);
  });
}

export interface PebbleOptions {
  /** Where pebble sends HTTP-01 checks: the broker's --http-listen port. */
  httpPort: number;
  /** "HOST:PORT" of the DNS server pebble resolves names with. */
  dnsServer: string;
  /**
   * Seconds each certificate lasts: pebble 2.4's config key `certificateValidityPeriod`
   * (not in its README or `pebble -h`; its default is five years). pebble logs the value in
   * use ("Using certificate validity period of N seconds"), which startPebble waits for.
   */
  certificateValiditySeconds?: number;
}

export async function startPebble(options: PebbleOptions): Promise<Pebble> {
  const dir = await tempDir("reach-pebble-");
  const tlsCert = await makeSelfSignedCert(["127.0.0.1", "localhost"]);
  const [port, managementPort, tlsPort] = [await freePort(), await freePort(), await freePort()];
  const configFile = join(dir, "pebble-config.json");
  await writeFile(
    configFile,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: tlsCert.certFile,
        privateKey: tlsCert.keyFile,
        httpPort: options.httpPort,
        tlsPort,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
        ...(options.certificateValiditySeconds
          ? { certificateValidityPeriod: options.certificateValiditySeconds }
          : {}),
      },
    }),
  );
  const child = startChild("pebble", ["-config", configFile, "-dnsserver", options.dnsServer], {
    cwd: dir,
    // No artificial sleeps before checks, and no good nonce refused as bad.
    env: { PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" },
    label: "pebble",
  });
  if (options.certificateValiditySeconds) {
    // A config key pebble did not know would be ignored without a word: make sure it took.
    await child.waitForLine(
      new RegExp(`validity period of ${options.certificateValiditySeconds} seconds`),
    );
  }
  const trusting = new Agent({ connect: { ca: tlsCert.cert } });
  const get = async (url: string) => {
    const reply = await request(url, { dispatcher: trusting });
    if (reply.statusCode !== 200) throw new Error(`pebble ${url} said ${reply.statusCode}`);
    return reply.body.text();
  };
  const directoryUrl = `https://127.0.0.1:${port}/dir`;
  const rootUrl = `https://127.0.0.1:${managementPort}/roots/0`;
  // pebble logs its listeners before they are bound: ready is when both answer.
  await eventually(async () => {
    const answers = await Promise.all([get(directoryUrl), get(rootUrl)]).catch(() => null);
    return answers !== null;
  }, DEFAULT_WAIT_MS);
  return {
    directoryUrl,
    caRootFile: tlsCert.certFile,
    root: () => get(rootUrl),
    async stop() {
      await trusting.close();
      await child.stop();
    },
  };
}

/** pebble-challtestsrv as a DNS server only, answering every A query with 127.0.0.1. */
export async function startChallengeTestDns(): Promise<{ address: string; stop(): Promise<void> }> {
  const [dnsPort, managementPort] = [await freePort(), await freePort()];
  const child: WatchedChild = startChild(
    "pebble-challtestsrv",
    [
      "-defaultIPv4",
      "127.0.0.1",
      "-defaultIPv6",
      "",
      "-dns01",
      `127.0.0.1:${dnsPort}`,
      "-http01",
      "",
      "-https01",
      "",
      "-tlsalpn01",
      "",
      "-management",
      `127.0.0.1:${managementPort}`,
    ],
    { label: "pebble-challtestsrv" },
  );
  await child.waitForLine(/Starting challenge servers/);
  return { address: `127.0.0.1:${dnsPort}`, stop: () => child.stop() };
}
