// connect and disconnect as remote.it's own clients write them (the documents collected in
// ../shared/reference/remoteit.md, sections 1.2 and 1.3), against a real broker and agent:
// the desktop's, with hostIP left out or null; the docs' and collections'; the docs' Python
// example's, with no hostIP and no serviceId; and a client's inline literals.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startStack, type TestStack } from "../../test-support/stack.js";

const DESKTOP_CONNECT = `mutation Connect($serviceId: String!, $hostIP: String) {
  connect(serviceId: $serviceId, hostIP: $hostIP) { id created host port reverseProxy timeout }
}`;
const DOCS_CONNECT = `mutation GetConnection($serviceId: String!, $hostIP: String!) {
  connect(serviceId: $serviceId, hostIP: $hostIP) { id created host port reverseProxy timeout }
}`;
const PYTHON_CONNECT = "mutation connect($id: String!) {connect(serviceId: $id) {id host port}}";
const DESKTOP_DISCONNECT = `mutation Disconnect($serviceId: String!, $connectionId: String!) {
  disconnect(serviceId: $serviceId, connectionId: $connectionId)
}`;
const PYTHON_DISCONNECT = "mutation disconnect($id: String!) {disconnect(connectionId: $id)}";
const HOST_IP_OF = "{ login { connections { id hostIP } } }";

interface Connect {
  connect: { id: string; host: string; port: number; reverseProxy: boolean; timeout: number };
}

describe("connect and disconnect as remote.it's clients send them", () => {
  let stack: TestStack;
  let serviceId: string;

  before(async () => {
    stack = await startStack({ services: [{ name: "ssh", application: 28, target: "echo" }] });
    serviceId = stack.agent.serviceId("ssh");
  });

  after(() => stack?.stop());

  async function hostIpOf(id: string): Promise<string | undefined> {
    const listed = await stack.user.api<{
      login: { connections: { id: string; hostIP: string }[] };
    }>(HOST_IP_OF);
    return listed.data?.login.connections.find((c) => c.id === id)?.hostIP;
  }

  async function connected(query: string, variables: Record<string, unknown>) {
    const reply = await stack.user.api<Connect>(query, variables);
    assert.ok(reply.data?.connect, JSON.stringify(reply.errors));
    return reply.data.connect;
  }

  it("the desktop's Connect, hostIP left out or null: latching, 8 h in seconds", async () => {
    for (const variables of [{ serviceId }, { serviceId, hostIP: null }]) {
      const connection = await connected(DESKTOP_CONNECT, variables);
      assert.equal(connection.reverseProxy, false);
      assert.equal(connection.timeout, 28800);
      assert.equal(await hostIpOf(connection.id), "255.255.255.255");
    }
  });

  it("the docs' and collections' GetConnection, public", async () => {
    const connection = await connected(DOCS_CONNECT, { serviceId, hostIP: "0.0.0.0" });
    assert.ok(connection.port > 0);
    assert.equal(await hostIpOf(connection.id), "0.0.0.0");
  });

  it("inline literals, and an explicit null type", async () => {
    const reply = await stack.user.api<Connect>(
      `mutation { connect( serviceId: "${serviceId}", hostIP: "0.0.0.0", type: null ) { host port } }`,
    );
    assert.ok(reply.data?.connect.port, JSON.stringify(reply.errors));
  });

  it("the docs' Python pair: connect with no hostIP, disconnect with no serviceId", async () => {
    const connection = await connected(PYTHON_CONNECT, { id: serviceId });
    const reply = await stack.user.api<{ disconnect: boolean }>(PYTHON_DISCONNECT, {
      id: connection.id,
    });
    assert.deepEqual(reply.data, { disconnect: true });
    assert.equal(await hostIpOf(connection.id), undefined, "no longer listed");
  });

  it("the desktop's Disconnect, with its serviceId", async () => {
    const connection = await connected(DESKTOP_CONNECT, { serviceId });
    const reply = await stack.user.api<{ disconnect: boolean }>(DESKTOP_DISCONNECT, {
      serviceId,
      connectionId: connection.id,
    });
    assert.deepEqual(reply.data, { disconnect: true });
  });
});
