// Certificates from a real ACME CA: Debian's pebble on loopback issues the broker's
// certificate over HTTP-01 (answered on --http-listen; pebble resolves the names through
// pebble-challtestsrv, which points them all at 127.0.0.1). A client trusting pebble's root
// reaches the API over HTTPS; the certificate is kept in the data dir and reused by the next
// start; short-lived certificates are renewed and swapped in without a restart, while a
// connection opened before the swap keeps working. Over DNS-01 pebble asks the broker's own
// DNS for the TXT records, and the wildcard covers the reverse-proxy hosts.
import assert from "node:assert/strict";
import type { X509Certificate } from "node:crypto";
import { stat } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { TLSSocket } from "node:tls";
import { setGlobalDispatcher, Agent as UndiciAgent } from "undici";
import {
  acmeSettings,
  connectTrusting,
  type Pebble,
  startChallengeTestDns,
  startPebble,
} from "../../test-support/pebble.js";
import { startReachChild } from "../../test-support/processes.js";
import { createTestUser, eventually, freePort, tempDir } from "../../test-support/stack.js";
import { type RunningBroker, startBroker } from "../broker.js";
import type { BrokerConfig } from "../config.js";
import type { Logger } from "../log.js";

const ZONE = "reach.example.com";
const ISSUE_MS = 60_000;

/** The leaf a client trusting only `root` is served for the zone, or null if refused. */
async function servedLeaf(port: number, root: string): Promise<X509Certificate | null> {
  const socket = await openTrusting(port, root).catch(() => null);
  if (!socket) return null;
  const leaf = socket.getPeerX509Certificate() ?? null;
  socket.destroy();
  return leaf;
}

/** The broker's log, shown when a wait for a certificate runs out (the CA's answers are in it). */
const logged: string[] = [];
const log: Logger = {
  info: (message, fields) => logged.push(`info ${message} ${JSON.stringify(fields)}`),
  warn: (message, fields) => logged.push(`warn ${message} ${JSON.stringify(fields)}`),
  error: (message, fields) => logged.push(`error ${message} ${JSON.stringify(fields)}`),
};

/** Waits for the first leaf served whose serial is not `unlike`. */
async function waitForLeaf(port: number, root: string, unlike?: string): Promise<X509Certificate> {
  let found: X509Certificate | null = null;
  await eventually(async () => {
    const leaf = await servedLeaf(port, root);
    if (leaf && leaf.serialNumber !== unlike) found = leaf;
    return found !== null;
  }, ISSUE_MS).catch((error) => {
    throw new Error(`${error.message}; the broker logged:\n${logged.slice(-20).join("\n")}`);
  });
  return found as unknown as X509Certificate;
}

const openTrusting = (port: number, root: string, servername = ZONE) =>
  connectTrusting(port, root, servername);

/** One HTTP/1.1 request on an open socket; the status line of the answer. */
function statusOn(socket: TLSSocket, host = ZONE): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("latin1");
      const end = seen.indexOf("\r\n\r\n");
      if (end === -1) return;
      socket.off("data", onData);
      resolve(seen.slice(0, seen.indexOf("\r\n")));
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.write(`GET /nothing-here HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  });
}

/** A GET on the plain HTTP listener: its status and Location. */
function plainGet(port: number, path: string): Promise<{ status?: number; location?: string }> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path, headers: { host: ZONE } }, (response) => {
      response.resume();
      resolve({ status: response.statusCode, location: response.headers.location });
    })
      .on("error", reject)
      .end();
  });
}

async function startAcmeBroker(
  pebble: Pebble,
  httpPort: number,
  dataDir: string,
): Promise<RunningBroker> {
  const settings: Partial<BrokerConfig> = {
    domain: ZONE,
    dataDir,
    httpListen: { host: "127.0.0.1", port: httpPort },
    acme: acmeSettings(pebble, "http-01"),
  };
  return startBroker({ listenHost: "127.0.0.1", listenPort: 0, stunPort: null, ...settings }, log);
}

describe("ACME over HTTP-01 with pebble", () => {
  let dns: Awaited<ReturnType<typeof startChallengeTestDns>>;
  let pebble: Pebble;
  let broker: RunningBroker;
  let httpPort: number;
  let dataDir: string;
  let root: string;

  before(async () => {
    dns = await startChallengeTestDns();
    httpPort = await freePort();
    pebble = await startPebble({ httpPort, dnsServer: dns.address });
    root = await pebble.root();
    dataDir = await tempDir();
    broker = await startAcmeBroker(pebble, httpPort, dataDir);
  });

  after(async () => {
    await broker?.close();
    await pebble?.stop();
    await dns?.stop();
  });

  it("gets a certificate for the zone and p1.<zone> that chains to pebble's root", async () => {
    const served = await waitForLeaf(broker.port, root);
    assert.equal(served.subjectAltName, `DNS:${ZONE}, DNS:p1.${ZONE}`);
    assert.equal(served.serialNumber, broker.tls?.certificates?.current?.serial);
    assert.ok(broker.url.startsWith("https://"), broker.url);
  });

  it("serves the API over HTTPS to a client that trusts pebble's root", async () => {
    setGlobalDispatcher(new UndiciAgent({ connect: { ca: root, servername: ZONE } }));
    const user = await createTestUser(broker, "acme@example.com");
    const reply = await user.api<{ login: { email: string } }>("{ login { email } }");
    assert.equal(reply.status, 200);
    assert.equal(reply.data?.login.email, "acme@example.com");
  });

  it("keeps the account key and the certificate in <dataDir>/acme, readable by the broker only", async () => {
    for (const file of ["account.key", "node-1.pem"]) {
      const { mode } = await stat(join(dataDir, "acme", file));
      assert.equal(mode & 0o777, 0o600, file);
    }
  });

  it("answers plain HTTP with a 308 to the same URL over https, and no unknown challenge token", async () => {
    assert.deepEqual(await plainGet(httpPort, "/graphql/v1?x=1"), {
      status: 308,
      location: `https://${ZONE}:${broker.port}/graphql/v1?x=1`,
    });
    assert.deepEqual(await plainGet(httpPort, "/.well-known/acme-challenge/no-such-token"), {
      status: 404,
      location: undefined,
    });
  });

  it("is what `reach broker --acme-email … --http-listen …` does, run as users run it", async () => {
    const cliHttpPort = await freePort();
    const cliPebble = await startPebble({ httpPort: cliHttpPort, dnsServer: dns.address });
    const child = startReachChild([
      "broker",
      "--data-dir",
      await tempDir(),
      "--listen",
      "127.0.0.1:0",
      "--stun-port",
      "off",
      "--domain",
      ZONE,
      "--http-listen",
      `127.0.0.1:${cliHttpPort}`,
      "--acme-email",
      "ops@example.com",
      "--acme-challenge",
      "http-01",
      "--acme-directory",
      cliPebble.directoryUrl,
      "--acme-ca",
      cliPebble.caRootFile,
    ]);
    try {
      const [, port] = await child.waitForLine(/listening on https:\/\/127\.0\.0\.1:(\d+) /);
      const leaf = await waitForLeaf(Number(port), await cliPebble.root());
      assert.equal(leaf.subjectAltName, `DNS:${ZONE}, DNS:p1.${ZONE}`);
    } finally {
      await child.stop();
      await cliPebble.stop();
    }
  });

  it("serves the stored certificate after a restart, without a new order", async () => {
    const before = broker.tls?.certificates?.current?.serial;
    assert.ok(before);
    await broker.close();
    broker = await startAcmeBroker(pebble, httpPort, dataDir);
    // Installed before startBroker returned: no order was needed.
    assert.equal(broker.tls?.certificates?.current?.serial, before);
    const leaf = await servedLeaf(broker.port, root);
    assert.equal(leaf?.serialNumber, before);
  });
});

describe("ACME renewal with short-lived pebble certificates", () => {
  let dns: Awaited<ReturnType<typeof startChallengeTestDns>>;
  let pebble: Pebble;
  let broker: RunningBroker;
  let root: string;

  before(async () => {
    dns = await startChallengeTestDns();
    const httpPort = await freePort();
    pebble = await startPebble({
      httpPort,
      dnsServer: dns.address,
      certificateValiditySeconds: 30,
    });
    root = await pebble.root();
    broker = await startAcmeBroker(pebble, httpPort, await tempDir());
  });

  after(async () => {
    await broker?.close();
    await pebble?.stop();
    await dns?.stop();
  });

  it("renews at two-thirds of the lifetime and serves the new certificate to new connections while an older one keeps working", async () => {
    const first = await waitForLeaf(broker.port, root);
    const firstSerial = first.serialNumber;
    // The renewal is planned from the certificate's own dates: two-thirds into its lifetime.
    const notBefore = Date.parse(first.validFrom);
    const lifetime = Date.parse(first.validTo) - notBefore;
    assert.ok(lifetime <= 30_000, `pebble issued a ${lifetime} ms certificate`);
    assert.equal(
      broker.tls?.certificates?.current?.renewalDue.getTime(),
      Math.trunc(notBefore + (lifetime * 2) / 3),
    );
    const early = await openTrusting(broker.port, root);
    assert.equal(await statusOn(early), "HTTP/1.1 404 Not Found");

    const renewed = await waitForLeaf(broker.port, root, firstSerial);
    assert.equal(renewed.serialNumber, broker.tls?.certificates?.current?.serial);

    // The connection from before the swap is still open, on its first certificate.
    assert.equal(early.getPeerX509Certificate()?.serialNumber, firstSerial);
    assert.equal(await statusOn(early), "HTTP/1.1 404 Not Found");
    early.destroy();
  });
});

describe("ACME with settings that are wrong", () => {
  let dns: Awaited<ReturnType<typeof startChallengeTestDns>>;
  let pebble: Pebble;

  before(async () => {
    dns = await startChallengeTestDns();
    pebble = await startPebble({ httpPort: await freePort(), dnsServer: dns.address });
  });

  after(async () => {
    await pebble?.stop();
    await dns?.stop();
  });

  it("starts the broker anyway, refuses TLS handshakes while it has no certificate, and retries the order with a growing delay", async () => {
    const from = logged.length;
    const broker = await startBroker(
      {
        listenHost: "127.0.0.1",
        listenPort: 0,
        stunPort: null,
        domain: ZONE,
        dataDir: await tempDir(),
        httpListen: { host: "127.0.0.1", port: 0 },
        acme: {
          email: "ops@example.com",
          directoryUrl: pebble.directoryUrl.replace(/\/dir$/, "/no-such-directory"),
          challenge: "http-01",
          caRootFile: pebble.caRootFile,
        },
      },
      log,
    );
    const failures = () => logged.slice(from).filter((line) => line.startsWith("error "));
    try {
      await eventually(() => failures().length >= 2, 40_000);
      assert.match(
        failures()[0] ?? "",
        /certificate order failed.*"attempt":1,"retryInSeconds":10/,
      );
      assert.match(
        failures()[1] ?? "",
        /certificate order failed.*"attempt":2,"retryInSeconds":20/,
      );
      assert.equal(broker.tls?.certificates?.current, null);
      const handshake = await openTrusting(broker.port, await pebble.root()).then(
        (socket) => socket.destroy(),
        (error: Error) => error,
      );
      assert.ok(handshake instanceof Error, "no certificate yet, so no handshake");
    } finally {
      await broker.close();
    }
  });

  it("refuses to start when the --acme-ca file cannot be read, saying which", async () => {
    await assert.rejects(
      startBroker(
        {
          listenHost: "127.0.0.1",
          listenPort: 0,
          stunPort: null,
          domain: ZONE,
          dataDir: await tempDir(),
          httpListen: { host: "127.0.0.1", port: 0 },
          acme: {
            email: "ops@example.com",
            directoryUrl: "https://127.0.0.1:1/dir",
            challenge: "http-01",
            caRootFile: "/nonexistent/pebble.pem",
          },
        },
        log,
      ),
      /Cannot read --acme-ca \/nonexistent\/pebble\.pem/,
    );
  });
});

describe("ACME over DNS-01 with pebble asking the broker's own DNS", () => {
  let pebble: Pebble;
  let broker: RunningBroker;
  let root: string;

  before(async () => {
    const dnsPort = await freePort();
    pebble = await startPebble({ httpPort: await freePort(), dnsServer: `127.0.0.1:${dnsPort}` });
    root = await pebble.root();
    broker = await startBroker(
      {
        listenHost: "127.0.0.1",
        listenPort: 0,
        stunPort: null,
        domain: ZONE,
        dataDir: await tempDir(),
        dns: { host: "127.0.0.1", port: dnsPort },
        acme: acmeSettings(pebble, "dns-01"),
      },
      log,
    );
  });

  after(async () => {
    await broker?.close();
    await pebble?.stop();
  });

  it("gets the apex, p1.<zone> and the wildcard *.p1.<zone> in one certificate", async () => {
    const served = await waitForLeaf(broker.port, root);
    const names = (served.subjectAltName ?? "").split(", ").sort();
    assert.deepEqual(names, [`DNS:*.p1.${ZONE}`, `DNS:p1.${ZONE}`, `DNS:${ZONE}`]);
    // The TXT values lived as long as the order: none is left.
    assert.deepEqual(await broker.challenges.txt(`_acme-challenge.p1.${ZONE}`), []);
  });

  it("serves a reverse-proxy host x.p1.<zone> over HTTPS with a chain to pebble's root", async () => {
    const socket = await openTrusting(broker.port, root, `x.p1.${ZONE}`);
    assert.equal(socket.authorized, true);
    assert.equal(await statusOn(socket, `x.p1.${ZONE}`), "HTTP/1.1 404 Not Found");
    socket.destroy();
  });
});
