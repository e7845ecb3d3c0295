// On-demand connections across real NATs (test-support/nat-lab.ts): the broker on a
// public address, the agent behind router A, `reach up` behind router B, each a real
// `reach` process in its own network namespace. Behind two masquerading routers the direct
// path's private addresses cannot be reached, so the bytes must go over WebRTC between the
// routers' server-reflexive addresses (the broker's STUN tells each end its own); behind a
// symmetric router hole punching cannot work and the relay must carry them. Router B's
// nftables counters say which way the bytes went, independently of what Reach reports.

import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import {
  BROKER_IP,
  createNatLab,
  type Forwarded,
  type NatKind,
  type NatLab,
  netnsUnavailable,
} from "../../test-support/nat-lab.js";
import { runReach, runToExit, type WatchedChild } from "../../test-support/processes.js";
import { eventually, freePort, tempDir } from "../../test-support/stack.js";

/** A TCP echo inside the agent's namespace: the service the connection reaches. */
const ECHO_SERVICE = `
const net = require("node:net");
const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  socket.on("error", () => socket.destroy());
  socket.pipe(socket);
});
server.listen(0, "127.0.0.1", () => console.log("listening " + server.address().port));
`;

/** A local program inside the client's namespace: sends random bytes, reads the echo. */
const VISITOR = `
const net = require("node:net");
const crypto = require("node:crypto");
const [port, size] = process.argv.slice(1).map(Number);
const payload = crypto.randomBytes(size);
const hash = (bytes) => crypto.createHash("sha256").update(bytes).digest("hex");
const chunks = [];
let error = null;
const socket = net.connect(port, "127.0.0.1", () => socket.end(payload));
socket.on("data", (chunk) => chunks.push(chunk));
socket.on("error", (e) => { error = e.code || e.message; });
socket.on("close", () => {
  const back = Buffer.concat(chunks);
  console.log(JSON.stringify({ sent: hash(payload), received: hash(back), length: back.length, error }));
});
`;

const PAYLOAD_BYTES = 1024 * 1024;

interface Live {
  status: string;
  path: "p2p" | "relay" | "none";
  lastFailure: { at: string; reason: string } | null;
}

interface World {
  lab: NatLab;
  workDir: string;
  up: WatchedChild;
  port: number;
  /** `reach connection list --json`'s live state of the connection, from up. */
  live(): Promise<Live | null>;
  /** One local socket through up: its echo, and what router B forwarded meanwhile. */
  visit(): Promise<{ echoed: Echoed; forwarded: Forwarded }>;
}

interface Echoed {
  sent: string;
  received: string;
  length: number;
  error: string | null;
}

/** Broker, agent behind router A, and `reach up` behind router B (of kind `natB`). */
async function startWorld(natB: NatKind, p2pWaitMs: number): Promise<World> {
  const workDir = await tempDir("reach-od-nat-");
  const lab = createNatLab({ natB });
  try {
    const env = { HOME: workDir, REACH_CREDENTIALS: join(workDir, "credentials") };
    const brokerDir = join(workDir, "broker");
    const brokerPort = await freePort();
    // STUN answers on the listener's port (UDP), on the public address.
    const broker = lab.startReach(
      lab.ns.pub,
      ["broker", "--data-dir", brokerDir, "--listen", `${BROKER_IP}:${brokerPort}`],
      { env },
    );
    await broker.waitForLine(/GraphQL API at (\S+)\)/);
    lab.countFromB(brokerPort);
    const user = await runReach(
      [
        "admin",
        "create-user",
        "nat@example.com",
        "--data-dir",
        brokerDir,
        "--json",
        "--profile",
        "nat",
        "--api-url",
        `http://${BROKER_IP}:${brokerPort}/graphql/v1`,
      ],
      { env },
    );
    assert.equal(user.code, 0, user.stderr);
    const echo = lab.start(lab.ns.agent, [process.execPath, "-e", ECHO_SERVICE]);
    const [, echoPort] = await echo.waitForLine(/^listening (\d+)$/);
    // No --p2p-bind: the agent gathers its private host candidate and, from the broker's
    // STUN, router A's public address and port.
    const agent = lab.startReach(
      lab.ns.agent,
      [
        "agent",
        "--profile",
        "nat",
        "--name",
        "nat-box",
        "--data-dir",
        join(workDir, "agent"),
        "--service",
        `echo=tcp:${echoPort}`,
      ],
      { env },
    );
    const [, serviceId] = await agent.waitForLine(/^service echo (\S+)$/);
    const store = join(workDir, "on-demand.json");
    const account = ["--profile", "nat", "--store", store];
    const added = await lab.runReach(
      lab.ns.client,
      ["connection", "add", serviceId as string, ...account, "--json"],
      { env },
    );
    assert.equal(added.code, 0, added.stderr);
    const { id, port } = JSON.parse(added.stdout) as { id: string; port: number };
    const up = lab.startReach(lab.ns.client, ["up", ...account, "--p2p-wait", String(p2pWaitMs)], {
      env,
    });
    await up.waitForLine(new RegExp(`^127\\.0\\.0\\.1:${port} → echo on nat-box `));
    return {
      lab,
      workDir,
      up,
      port,
      async live() {
        const listed = await lab.runReach(
          lab.ns.client,
          ["connection", "list", ...account, "--json"],
          { env },
        );
        assert.equal(listed.code, 0, listed.stderr);
        const connections = JSON.parse(listed.stdout) as { id: string; live: Live | null }[];
        return connections.find((c) => c.id === id)?.live ?? null;
      },
      async visit() {
        const before = lab.forwardedFromB();
        const visitor = await visitorRun(lab, port);
        const afterwards = lab.forwardedFromB();
        return {
          echoed: visitor,
          forwarded: {
            toBroker: afterwards.toBroker - before.toBroker,
            toPeer: afterwards.toPeer - before.toPeer,
          },
        };
      },
    };
  } catch (error) {
    await lab.destroy();
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}

async function visitorRun(lab: NatLab, port: number): Promise<Echoed> {
  const result = await runToExit(
    "ip",
    [
      "netns",
      "exec",
      lab.ns.client,
      process.execPath,
      "-e",
      VISITOR,
      String(port),
      String(PAYLOAD_BYTES),
    ],
    { waitMs: 60_000 },
  );
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Echoed;
}

async function stopWorld(world: World | undefined): Promise<void> {
  if (!world) return;
  await world.lab.destroy();
  await rm(world.workDir, { recursive: true, force: true });
}

/** One local socket's visit through the lab, echoed whole with no reset; what router B forwarded. */
async function visitWhole(world: World, t: TestContext): Promise<Forwarded> {
  const { echoed, forwarded } = await world.visit();
  t.diagnostic(`router B forwarded ${JSON.stringify(forwarded)} bytes for ${PAYLOAD_BYTES}`);
  assert.equal(echoed.error, null, "no reset");
  assert.equal(echoed.length, PAYLOAD_BYTES);
  assert.equal(echoed.received, echoed.sent, "echoed byte-exact");
  return forwarded;
}

const unavailable = netnsUnavailable();

describe("on-demand across two masquerading NATs (ip netns)", {
  skip: unavailable ?? false,
  timeout: 120_000,
}, () => {
  let world: World | undefined;
  before(async () => {
    // Generous, so a loaded machine still opens P2P rather than failing over.
    world = await startWorld("masquerade", 20_000);
  });
  after(() => stopWorld(world));

  it("carries a local socket's bytes over WebRTC between the routers' public addresses", async (t) => {
    assert.ok(world, "needs the lab from before()");
    const forwarded = await visitWhole(world, t);
    await world.up.waitForLine(
      new RegExp(`^127\\.0\\.0\\.1:${world.port} echo on nat-box: connected via P2P$`),
    );
    // The status file is rewritten after up prints (asynchronously): it follows soon.
    const lab = world;
    await eventually(async () => (await lab.live())?.path === "p2p", 5_000);
    // The payload went out to router A's public address over UDP, not to the broker.
    assert.ok(forwarded.toPeer > PAYLOAD_BYTES, `UDP to router A: ${forwarded.toPeer} bytes`);
    assert.ok(
      forwarded.toBroker < PAYLOAD_BYTES / 8,
      `TCP to the broker: ${forwarded.toBroker} bytes`,
    );
  });
});

describe("on-demand behind a symmetric NAT (ip netns)", {
  skip: unavailable ?? false,
  timeout: 120_000,
}, () => {
  let world: World | undefined;
  before(async () => {
    world = await startWorld("symmetric", 5_000);
  });
  after(() => stopWorld(world));

  it("cannot punch a hole, so the broker's relay carries the bytes, none lost", async (t) => {
    assert.ok(world, "needs the lab from before()");
    const forwarded = await visitWhole(world, t);
    await world.up.waitForLine(
      new RegExp(`^127\\.0\\.0\\.1:${world.port} echo on nat-box: connected via Proxy`),
    );
    const lab = world;
    await eventually(async () => (await lab.live())?.path === "relay", 5_000);
    const live = await world.live();
    assert.equal(live?.path, "relay");
    assert.ok(live?.lastFailure, "the failed P2P attempt is the last failure");
    t.diagnostic(`last failure: ${live.lastFailure.reason}`);
    assert.ok(forwarded.toBroker > PAYLOAD_BYTES, `TCP to the broker: ${forwarded.toBroker} bytes`);
    assert.ok(forwarded.toPeer < PAYLOAD_BYTES / 8, `UDP to router A: ${forwarded.toPeer} bytes`);
  });
});
