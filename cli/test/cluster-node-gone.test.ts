// A visitor on node 1 for a device whose node (2) was just killed, before its heartbeat
// goes stale: node 1 serves the connect itself, the dial to node 2 cannot be sent, the
// visitor is refused, and node 1 carries on. (Found by the cluster benchmark: the dial's
// abandoned wait was a rejection nobody handled, which ended node 1's process.)
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { graphqlRequest } from "../../common/graphql/request.js";
import type { R3Credentials } from "../../common/r3-signature.js";
import { nodeAddress, startNodeProcess } from "../../test-support/cluster.js";
import { startTestPostgres, type TestPostgres } from "../../test-support/postgres.js";
import {
  type AgentProcess,
  type BrokerProcess,
  createUserKeys,
  startAgentProcess,
} from "../../test-support/reach-processes.js";
import {
  CONNECT,
  type ConnectionResult,
  eventually,
  freePort,
  tempDir,
} from "../../test-support/stack.js";
import { startTcpEcho, type TcpEcho } from "../../test-support/targets.js";
import { probe } from "../../test-support/visitors.js";

const DEVICE_STATES = "{ login { devices { items { state } } } }";

describe("a node whose device's node was just killed", () => {
  let postgres: TestPostgres;
  let keys: R3Credentials;
  let echo: TcpEcho;
  let agent: AgentProcess;
  const nodes: BrokerProcess[] = [];

  before(async () => {
    postgres = await startTestPostgres();
    const storeUrl = await postgres.createDatabase();
    for (const n of [1, 2]) {
      nodes.push(
        await startNodeProcess(n, storeUrl, await freePort(), await tempDir("reach-gone-")),
      );
    }
    keys = createUserKeys("", "gone@example.com", storeUrl);
    echo = await startTcpEcho();
    agent = await startAgentProcess({
      apiUrl: nodes[1]?.apiUrl ?? "",
      credentials: keys,
      dataDir: await tempDir("reach-gone-agent-"),
      services: [`echo=tcp:${echo.port}`],
    });
    // The agent prints its services once registered, before its tunnel to node 2 is up;
    // the premise is a device online at node 2 when node 2 dies.
    await eventually(async () => {
      const reply = await graphqlRequest(nodes[0]?.apiUrl ?? "", keys, DEVICE_STATES);
      return JSON.stringify(reply.data).includes('"active"');
    }, 10_000);
  });
  after(async () => {
    await agent?.stop();
    for (const node of nodes) await node.stop();
    await postgres?.stop();
    await echo?.close();
  });

  it("refuses the visitor and keeps serving", async () => {
    const [node1, node2] = nodes as [BrokerProcess, BrokerProcess];
    node2.child.kill("SIGKILL");
    await node2.stop();
    const reply = await graphqlRequest<{ connect: ConnectionResult }>(node1.apiUrl, keys, CONNECT, {
      serviceId: agent.serviceIds.get("echo"),
      hostIP: "0.0.0.0",
    });
    const made = reply.data?.connect;
    assert.ok(made, `connect: ${JSON.stringify(reply.errors)}`);
    assert.equal(made.host, nodeAddress(1), "served by node 1, node 2 being unreachable");
    assert.equal(await probe(made.port ?? 0, "127.0.0.2", made.host), "closed");
    // Node 1 is still up: it answers the API, and its process has not exited.
    const after = await graphqlRequest(node1.apiUrl, keys, "{ login { email } }");
    assert.equal(after.errors, undefined);
    assert.equal(node1.child.exitCode, null, node1.stderr());
  });
});
