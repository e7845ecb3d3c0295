// A broker whose only certificate comes from the CA (pebble) over DNS-01 answered by its
// own DNS, used end to end as a self-hoster's users would: the agent reaches the API and
// the tunnel by name over HTTPS, trusting only the CA's root, and a visitor gets the
// device's web page through a reverse-proxy host *.p1.<zone> with a valid chain. The zone
// is "localhost" because that name resolves to loopback here without any resolver setup.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TLSSocket } from "node:tls";
import { setGlobalDispatcher, Agent as UndiciAgent } from "undici";
import { graphqlRequest } from "../../common/graphql/request.js";
import {
  acmeSettings,
  connectTrusting,
  type Pebble,
  startPebble,
} from "../../test-support/pebble.js";
import {
  CONNECT,
  createTestUser,
  eventually,
  freePort,
  startTestAgent,
  type TestAgent,
  type TestUser,
  tempDir,
} from "../../test-support/stack.js";
import { type HttpTarget, startHttpTarget } from "../../test-support/targets.js";
import { type RunningBroker, startBroker } from "../broker.js";

const ZONE = "localhost";

/** GET / on an open socket: the whole answer as text (the socket is closed after). */
function getOn(socket: TLSSocket, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
    });
    socket.once("end", () => resolve(text));
    socket.once("error", reject);
    socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

describe("a broker with an ACME certificate, end to end", () => {
  let pebble: Pebble;
  let broker: RunningBroker;
  let agent: TestAgent;
  let web: HttpTarget;
  let root: string;
  let user: TestUser;

  before(async () => {
    const dnsPort = await freePort();
    pebble = await startPebble({ httpPort: await freePort(), dnsServer: `127.0.0.1:${dnsPort}` });
    root = await pebble.root();
    broker = await startBroker({
      listenHost: "127.0.0.1",
      listenPort: 0,
      stunPort: null,
      domain: ZONE,
      dataDir: await tempDir(),
      dns: { host: "127.0.0.1", port: dnsPort },
      acme: acmeSettings(pebble, "dns-01"),
    });
    await eventually(async () => {
      const socket = await connectTrusting(broker.port, root, ZONE).catch(() => null);
      socket?.destroy();
      return socket?.authorized === true;
    }, 60_000);
    // The test's own API calls trust the CA's root, as a user's machine trusts its CA.
    setGlobalDispatcher(new UndiciAgent({ connect: { ca: root } }));
    web = await startHttpTarget();
    user = await createTestUser(broker, "acme-e2e@example.com");
    agent = await startTestAgent(
      broker,
      user,
      [{ name: "site", application: 7, port: web.port, host: "127.0.0.1" }],
      { apiUrl: `https://${ZONE}:${broker.port}/graphql/v1`, ca: root },
    );
  });

  after(async () => {
    await agent?.stop();
    await web?.close();
    await broker?.close();
    await pebble?.stop();
  });

  it("carries a visitor to the device's web service through x.p1.localhost over HTTPS", async () => {
    const reply = await graphqlRequest<{ connect: { host: string } }>(
      `https://${ZONE}:${broker.port}/graphql/v1`,
      user.credentials,
      CONNECT,
      { serviceId: agent.serviceId("site"), hostIP: "0.0.0.0" },
    );
    const host = reply.data?.connect.host ?? "";
    assert.ok(host.endsWith(`.p1.${ZONE}`), JSON.stringify(reply));
    const socket = await connectTrusting(broker.port, root, host);
    assert.equal(socket.authorized, true, "a chain to the CA's root, for the wildcard name");
    const answer = await getOn(socket, host);
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.equal(web.connections > 0, true, "the device's web service answered");
  });
});
