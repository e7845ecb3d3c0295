// An on-demand connection relayed through an HTTPS broker, as a self-hosted broker with its
// own certificate runs: real `reach broker --tls-cert`, `reach agent --ca`, `reach
// connection add --no-p2p` and `reach up`, trusting the broker's certificate as an
// operator's CA (NODE_EXTRA_CA_CERTS). The relay is a TLS byte path upgraded from the
// broker's HTTPS server, and a program that half-closes (sends everything, then its FIN)
// must still get the whole answer: Node's HTTPS server does not make its sockets
// half-open as its HTTP server does, and without that an upload through this relay never
// got its reply.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeSelfSignedCert } from "../../test-support/certs.js";
import { runReach, startReachChild, type WatchedChild } from "../../test-support/processes.js";
import {
  type AgentProcess,
  type BrokerProcess,
  createUserKeys,
  startAgentProcess,
  startBrokerProcess,
} from "../../test-support/reach-processes.js";
import { freePort, tempDir } from "../../test-support/stack.js";
import { startTcpEcho, type TcpEcho } from "../../test-support/targets.js";
import { echoThrough, randomPayload, sha256 } from "../../test-support/visitors.js";

describe("an on-demand relay through an HTTPS broker", () => {
  let echo: TcpEcho;
  let broker: BrokerProcess;
  let agent: AgentProcess;
  let up: WatchedChild;
  let localPort: number;

  before(async () => {
    echo = await startTcpEcho();
    const dir = await tempDir("reach-tls-relay-");
    const cert = await makeSelfSignedCert(["127.0.0.1"]);
    broker = await startBrokerProcess({
      port: await freePort(),
      dataDir: join(dir, "broker"),
      tls: { cert: cert.certFile, key: cert.keyFile },
    });
    const credentials = createUserKeys(broker.dataDir, "tls-relay@example.com");
    agent = await startAgentProcess({
      apiUrl: broker.apiUrl,
      credentials,
      dataDir: join(dir, "agent"),
      services: [`echo=tcp:${echo.port}`],
      caFile: cert.certFile,
    });
    const env = {
      HOME: dir,
      REACH_CREDENTIALS: join(dir, "credentials"),
      NODE_EXTRA_CA_CERTS: cert.certFile,
    };
    const account = [
      "--store",
      join(dir, "on-demand.json"),
      "--api",
      broker.apiUrl,
      "--key",
      credentials.accessKeyId,
      "--secret",
      credentials.secretAccessKey,
    ];
    localPort = await freePort();
    const serviceId = agent.serviceIds.get("echo") ?? "";
    const added = await runReach(
      ["connection", "add", serviceId, "--port", String(localPort), "--no-p2p", ...account],
      { env },
    );
    assert.equal(added.code, 0, added.stderr);
    up = startReachChild(["up", ...account], { env });
    await up.waitForLine(new RegExp(`^127\\.0\\.0\\.1:${localPort} → `));
  });
  after(async () => {
    await up?.stop();
    await agent?.stop();
    await broker?.stop();
    await echo?.close();
  });

  it("answers a program that sends everything and then its FIN, byte-exact", async () => {
    assert.match(broker.apiUrl, /^https:/);
    const payload = randomPayload(4 * 1024 * 1024);
    const back = await echoThrough(localPort, "127.0.0.1", payload);
    assert.equal(sha256(back), sha256(payload));
    const [line] = await up.waitForLine(/connected via (P2P|Proxy)/);
    assert.match(line, /connected via Proxy/, "the broker's relay carried it");
  });
});
