// An agent given several brokers (the nodes of a cluster): it registers with the first that
// answers, and when the broker it is attached to goes away it moves to the next in its list.
// Real brokers and a real agent; the two brokers of the move share one real PostgreSQL
// database, so that the user and the device are the same on both.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { graphqlRequest } from "../../common/graphql/request.js";
import { startTestPostgres, type TestPostgres } from "../../test-support/postgres.js";
import {
  type ConnectionResult,
  connectOrFail,
  createTestUser,
  eventually,
  freePort,
  startTestAgent,
  startTestBroker,
  type TestUser,
} from "../../test-support/stack.js";
import { startTcpEcho, type TcpEcho } from "../../test-support/targets.js";

/** Sends `bytes` through a connection's port proxy to the echo and returns what came back. */
function echoThrough(connection: ConnectionResult, bytes: Buffer): Promise<Buffer> {
  const { host, port } = connection;
  if (port === null) throw new Error(`connection ${connection.id} has no port proxy`);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => socket.write(bytes));
    const received: Buffer[] = [];
    let length = 0;
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      length += chunk.length;
      if (length >= bytes.length) {
        socket.end();
        resolve(Buffer.concat(received));
      }
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error(`closed after ${length} of ${bytes.length} bytes`)));
  });
}

/** The same user, its requests signed to another broker of the cluster. */
function userAt(apiUrl: string, user: TestUser): TestUser {
  return {
    ...user,
    api: (query, variables) => graphqlRequest(apiUrl, user.credentials, query, variables),
  };
}

const DEVICES = "{ login { devices { items { name state } } } }";
type Devices = { login: { devices: { items: { name: string; state: string }[] } } };

describe("an agent with several brokers", { timeout: 60_000 }, () => {
  let echo: TcpEcho;
  let postgres: TestPostgres;

  before(async () => {
    echo = await startTcpEcho();
    postgres = await startTestPostgres();
  });

  after(async () => {
    await echo.close();
    await postgres.stop();
  });

  const services = () => [{ name: "echo", application: 1, host: "127.0.0.1", port: echo.port }];

  it("skips a broker that is down and registers with the next", async () => {
    const broker = await startTestBroker();
    const user = await createTestUser(broker, "skips@example.com");
    const down = `http://127.0.0.1:${await freePort()}/graphql/v1`;
    const logged: string[] = [];
    const agent = await startTestAgent(broker, user, services(), {
      apiUrls: [down, broker.apiUrl],
      name: "skipper",
      log: (line) => logged.push(line),
    });
    try {
      assert.equal(agent.brokerUrl, broker.apiUrl);
      const origin = new URL(broker.apiUrl).origin;
      assert.ok(
        logged.some((line) => line.startsWith(`agent: registered with ${origin} as device`)),
        logged.join("\n"),
      );
      assert.ok(
        logged.some((line) => line.startsWith("agent: tunnel error:")),
        "it tried the dead one",
      );
      const connection = await connectOrFail(user, agent.serviceId("echo"));
      const bytes = Buffer.from("through the broker that answered");
      assert.deepEqual(await echoThrough(connection, bytes), bytes);
    } finally {
      await agent.stop();
      await broker.close();
      await broker.removeData();
    }
  });

  it("moves to the next broker of its list when its broker closes", async () => {
    const store = { kind: "postgres" as const, url: await postgres.createDatabase() };
    const first = await startTestBroker({ store, node: 1 });
    const second = await startTestBroker({ store, node: 2 });
    // A broker's close is not repeatable: the test closes the first one itself.
    let firstClosed = false;
    try {
      const user = await createTestUser(first, "moves@example.com");
      const agent = await startTestAgent(first, user, services(), {
        apiUrls: [first.apiUrl, second.apiUrl],
        name: "mover",
      });
      try {
        assert.equal(agent.brokerUrl, first.apiUrl);
        const firstSession = agent.session;
        firstClosed = true;
        await first.close();
        await eventually(() => agent.brokerUrl === second.apiUrl && agent.session !== null, 15_000);
        assert.notEqual(agent.session, firstSession, "a new welcome, from the second broker");
        const atSecond = userAt(second.apiUrl, user);
        const listed = await atSecond.api<Devices>(DEVICES);
        assert.deepEqual(listed.data?.login.devices.items, [{ name: "mover", state: "active" }]);
        const connection = await connectOrFail(atSecond, agent.serviceId("echo"));
        const bytes = Buffer.from("through the broker it moved to");
        assert.deepEqual(await echoThrough(connection, bytes), bytes);
      } finally {
        await agent.stop();
      }
    } finally {
      if (!firstClosed) await first.close();
      await second.close();
      await first.removeData();
      await second.removeData();
    }
  });
});
