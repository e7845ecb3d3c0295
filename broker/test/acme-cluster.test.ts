// ACME for a cluster: two broker nodes on one PostgreSQL store order their certificates
// over DNS-01 from a real pebble that asks node 2's DNS only. Node 1's TXT values can be
// answered there only because the nodes share them through the store; and both nodes order
// as the one account whose key the store keeps (neither data dir holds one).
import assert from "node:assert/strict";
import type { X509Certificate } from "node:crypto";
import { access, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connect } from "node:tls";
import { Client } from "acme-client";
import pg from "pg";
import {
  CLUSTER_DOMAIN,
  nodeAddress,
  startTestCluster,
  type TestCluster,
} from "../../test-support/cluster.js";
import { acmeSettings, type Pebble, startPebble } from "../../test-support/pebble.js";
import { eventually, freePort, type TestBroker } from "../../test-support/stack.js";

const ISSUE_MS = 60_000;

/** The leaf node `n` serves for the zone to a client trusting only `root`, or null. */
function servedLeaf(node: TestBroker, n: number, root: string): Promise<X509Certificate | null> {
  return new Promise((resolve) => {
    const socket = connect(
      { host: nodeAddress(n), port: node.port, servername: CLUSTER_DOMAIN, ca: root },
      () => {
        resolve(socket.getPeerX509Certificate() ?? null);
        socket.destroy();
      },
    );
    socket.once("error", () => resolve(null));
  });
}

async function waitForLeaf(node: TestBroker, n: number, root: string): Promise<X509Certificate> {
  let found: X509Certificate | null = null;
  await eventually(async () => {
    found = await servedLeaf(node, n, root);
    return found !== null;
  }, ISSUE_MS);
  return found as unknown as X509Certificate;
}

const sans = (leaf: X509Certificate) => (leaf.subjectAltName ?? "").split(", ").sort();

describe("ACME for a cluster: challenges and the account shared through the store", () => {
  let pebble: Pebble;
  let cluster: TestCluster;
  let root: string;

  before(async () => {
    // One port number, on each node's own address; pebble asks node 2's only.
    const dnsPort = await freePort();
    pebble = await startPebble({
      httpPort: await freePort(),
      dnsServer: `${nodeAddress(2)}:${dnsPort}`,
    });
    root = await pebble.root();
    cluster = await startTestCluster(2, (n) => ({
      stunPort: null,
      dns: { host: nodeAddress(n), port: dnsPort },
      acme: acmeSettings(pebble, "dns-01"),
    }));
  });

  after(async () => {
    await cluster?.stop();
    await pebble?.stop();
  });

  it("node 1 gets the apex, p1 and *.p1 although the CA asks node 2's DNS only", async () => {
    const [one] = cluster.nodes as [TestBroker];
    const leaf = await waitForLeaf(one, 1, root);
    assert.deepEqual(sans(leaf), [
      `DNS:*.p1.${CLUSTER_DOMAIN}`,
      `DNS:p1.${CLUSTER_DOMAIN}`,
      `DNS:${CLUSTER_DOMAIN}`,
    ]);
    assert.equal(leaf.serialNumber, one.tls?.certificates?.current?.serial);
  });

  it("node 2 gets its own certificate, for p2", async () => {
    const two = cluster.nodes[1] as TestBroker;
    const leaf = await waitForLeaf(two, 2, root);
    assert.deepEqual(sans(leaf), [
      `DNS:*.p2.${CLUSTER_DOMAIN}`,
      `DNS:p2.${CLUSTER_DOMAIN}`,
      `DNS:${CLUSTER_DOMAIN}`,
    ]);
  });

  it("both certificates come from one ACME account, whose key is the store's", async () => {
    const [one, two] = cluster.nodes as [TestBroker, TestBroker];
    // current is set after accountUrl: both orders are done once both have a certificate.
    await eventually(
      async () => Boolean(one.tls?.certificates?.current && two.tls?.certificates?.current),
      ISSUE_MS,
    );
    const account = one.tls?.certificates?.accountUrl;
    assert.ok(account, "node 1 knows its account");
    assert.equal(two.tls?.certificates?.accountUrl, account);

    const db = new pg.Client({ connectionString: cluster.storeUrl });
    await db.connect();
    const { rows } = await db
      .query<{ account_key: string }>("SELECT account_key FROM acme_account")
      .finally(() => db.end());
    assert.equal(rows.length, 1);
    // The CA knows that key as that account (pebble's HTTPS is trusted while nodes run).
    const client = new Client({
      directoryUrl: pebble.directoryUrl,
      accountKey: rows[0]?.account_key as string,
    });
    await client.createAccount({ onlyReturnExisting: true });
    assert.equal(client.getAccountUrl(), account);
  });

  it("keeps each node's certificate in its own data dir, and no account key there", async () => {
    for (const [i, node] of cluster.nodes.entries()) {
      const { mode } = await stat(join(node.dataDir, "acme", `node-${i + 1}.pem`));
      assert.equal(mode & 0o777, 0o600);
      await assert.rejects(access(join(node.dataDir, "acme", "account.key")), { code: "ENOENT" });
    }
  });

  it("leaves no challenge value in the store once the orders are done", async () => {
    const [one, two] = cluster.nodes as [TestBroker, TestBroker];
    for (const name of [CLUSTER_DOMAIN, `p1.${CLUSTER_DOMAIN}`, `p2.${CLUSTER_DOMAIN}`]) {
      assert.deepEqual(await one.challenges.txt(`_acme-challenge.${name}`), [], name);
      assert.deepEqual(await two.challenges.txt(`_acme-challenge.${name}`), [], name);
    }
  });
});
