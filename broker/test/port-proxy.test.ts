// Port proxies end to end: a real broker, a real agent, a real TCP service, and visitors
// from distinct loopback addresses.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { serviceTypeByName } from "../../common/service-types.js";
import {
  CONNECT,
  connectOrFail,
  errorCode,
  startStack,
  type TestAgent,
  type TestStack,
  type TestUser,
} from "../../test-support/stack.js";
import { startTrickleSource, type TcpEcho } from "../../test-support/targets.js";
import {
  echoThrough,
  probe,
  randomPayload,
  readSlowly,
  sha256,
} from "../../test-support/visitors.js";

describe("port proxy", () => {
  let stack: TestStack;
  let agent: TestAgent;
  let echo: TcpEcho;
  let user: TestUser;
  let shellId: string;
  let trickle: Awaited<ReturnType<typeof startTrickleSource>>;
  const TRICKLE_BYTES = 24_000_000;

  before(async () => {
    trickle = await startTrickleSource(TRICKLE_BYTES);
    stack = await startStack({
      users: ["ports@example.com"],
      services: [
        { name: "shell", application: serviceTypeByName("ssh")?.application ?? 28, target: "echo" },
        { name: "trickle", application: 1, port: trickle.port },
      ],
    });
    ({ agent, echo, user } = stack);
    shellId = agent.serviceId("shell");
  });

  after(async () => {
    await stack?.stop();
    trickle?.close();
  });

  it("answers connect in remote.it's shape", async () => {
    const connection = await connectOrFail(user, shellId, "0.0.0.0");
    assert.match(connection.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(new Date(connection.created).toISOString(), connection.created);
    assert.equal(connection.host, "127.0.0.1");
    assert.equal(typeof connection.port, "number");
    assert.equal(connection.reverseProxy, false);
    assert.equal(connection.timeout, 28800);
    assert.equal(connection.url, `ssh://127.0.0.1:${connection.port}`);
    assert.equal(connection.serviceId, shellId);
    assert.equal(connection.hostIP, "0.0.0.0");
  });

  it("defaults hostIP to latching, as remote.it does", async () => {
    const reply = await user.api<{ connect: { hostIP: string } }>(
      "mutation ($s: String!) { connect(serviceId: $s) { hostIP } }",
      { s: shellId },
    );
    assert.equal(reply.data?.connect.hostIP, "255.255.255.255");
  });

  it("public (0.0.0.0) lets every visitor through, byte-exact both ways", async () => {
    const { port } = await connectOrFail(user, shellId, "0.0.0.0");
    const payload = randomPayload(8 * 1024 * 1024);
    for (const address of ["127.0.0.2", "127.0.0.3"]) {
      const back = await echoThrough(port as number, address, payload);
      assert.equal(back.length, payload.length);
      assert.equal(sha256(back), sha256(payload));
    }
  });

  it("restricted lets only its address through; others never reach the device", async () => {
    const { port, hostIP } = await connectOrFail(user, shellId, "127.0.0.2");
    assert.equal(hostIP, "127.0.0.2");
    assert.equal(await probe(port as number, "127.0.0.2"), "echoed");
    const reachedBefore = echo.accepted;
    assert.equal(await probe(port as number, "127.0.0.3"), "closed");
    assert.equal(await probe(port as number, "127.0.0.4"), "closed");
    assert.equal(echo.accepted, reachedBefore, "a refused visitor reached the service");
    assert.equal(await probe(port as number, "127.0.0.2"), "echoed");
  });

  it("restricted to an IPv4-mapped IPv6 address counts as IPv4", async () => {
    const { port, hostIP } = await connectOrFail(user, shellId, "::ffff:127.0.0.3");
    assert.equal(hostIP, "127.0.0.3");
    assert.equal(await probe(port as number, "127.0.0.3"), "echoed");
    assert.equal(await probe(port as number, "127.0.0.2"), "closed");
  });

  it("latching lets the first visitor's address in, any number of times, and no other", async () => {
    const { port } = await connectOrFail(user, shellId, "255.255.255.255");
    assert.equal(await probe(port as number, "127.0.0.3"), "echoed");
    const reachedBefore = echo.accepted;
    assert.equal(await probe(port as number, "127.0.0.2"), "closed");
    assert.equal(echo.accepted, reachedBefore);
    for (let i = 0; i < 3; i++) assert.equal(await probe(port as number, "127.0.0.3"), "echoed");
  });

  it("latching under a race: exactly one of many addresses wins", async () => {
    const { port } = await connectOrFail(user, shellId, "255.255.255.255");
    const addresses = Array.from({ length: 20 }, (_, i) => `127.0.0.${10 + i}`);
    const outcomes = await Promise.all(addresses.map((a) => probe(port as number, a)));
    const winners = addresses.filter((_, i) => outcomes[i] === "echoed");
    assert.equal(winners.length, 1, `winners: ${winners.join(", ")}`);
  });

  it("carries many parallel visitors without mixing their bytes", async () => {
    const { port } = await connectOrFail(user, shellId, "0.0.0.0");
    const payloads = Array.from({ length: 40 }, () => randomPayload(64 * 1024));
    const results = await Promise.all(
      payloads.map((p, i) => echoThrough(port as number, `127.0.1.${i + 1}`, p)),
    );
    for (const [i, back] of results.entries()) {
      assert.equal(sha256(back), sha256(payloads[i] as Buffer));
    }
  });

  it("delivers every byte to a slow reader when the service writes in small pieces", {
    timeout: 60_000,
  }, async () => {
    const { port } = await connectOrFail(user, agent.serviceId("trickle"), "0.0.0.0");
    const received = await readSlowly(port as number, "127.0.0.2");
    assert.equal(received, TRICKLE_BYTES);
  });

  it("refuses every malformed hostIP with BAD_USER_INPUT and creates nothing", async () => {
    const list = "{ login { connections { id } } }";
    const before = (await user.api<{ login: { connections: unknown[] } }>(list)).data?.login
      .connections.length;
    const bad = [
      "256.1.1.1",
      "1.2.3",
      " 0.0.0.0",
      "0.0.0.0/0",
      "::ffff:999.1.1.1",
      "",
      "localhost",
      "fe80::1%lo",
      "x".repeat(10000),
      "１２７.0.0.1",
    ];
    for (const hostIP of bad) {
      const reply = await user.api(CONNECT, { serviceId: shellId, hostIP });
      assert.equal(
        errorCode(reply),
        "BAD_USER_INPUT",
        `hostIP ${JSON.stringify(hostIP.slice(0, 20))}`,
      );
      assert.match(reply.errors?.[0]?.message ?? "", /hostIP/);
    }
    const afterCount = (await user.api<{ login: { connections: unknown[] } }>(list)).data?.login
      .connections.length;
    assert.equal(afterCount, before);
  });

  it("refuses REVERSE_PROXY for a non-web service", async () => {
    const reply = await user.api(CONNECT, {
      serviceId: shellId,
      hostIP: "0.0.0.0",
      type: "REVERSE_PROXY",
    });
    assert.equal(errorCode(reply), "BAD_USER_INPUT");
  });
});
