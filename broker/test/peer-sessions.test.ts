// Peer sessions' doors: only the owner of a service opens, reads or ends them; the relay
// admits only a live session's token; an agent drops a P2P client without the token
// before any byte reaches the service.
import assert from "node:assert/strict";
import { request } from "node:http";
import type { Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import type { DataChannel } from "node-datachannel";
import {
  CLOSE_PEER_SESSION_MUTATION,
  OFFER_PEER_MUTATION,
  OPEN_PEER_SESSION_MUTATION,
  PEER_CANDIDATES_MUTATION,
  PEER_SESSION_QUERY,
} from "../../common/graphql/operations.js";
import type { PeerSessionView } from "../../common/graphql/schema.js";
import { splitCandidates } from "../../common/p2p/handshake.js";
import { createPeer } from "../../common/p2p/peer-connection.js";
import { RELAY_PATH, RELAY_UPGRADE_PROTOCOL } from "../../common/tunnel/protocol.js";
import {
  errorCode,
  eventually,
  startStack,
  type TestAgent,
  type TestBroker,
  type TestStack,
  type TestUser,
} from "../../test-support/stack.js";
import type { TcpEcho } from "../../test-support/targets.js";

describe("peer sessions", () => {
  let stack: TestStack;
  let broker: TestBroker;
  let agent: TestAgent;
  let echo: TcpEcho;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    stack = await startStack({
      users: ["alice@example.com", "bob@example.com"],
      agent: { p2pBindAddress: "127.0.0.1" },
    });
    ({ broker, agent, echo } = stack);
    [alice, bob] = stack.users as [TestUser, TestUser];
  });

  after(() => stack?.stop());

  async function open(user: TestUser, offer: string | null = null) {
    return user.api<{ openPeerSession: PeerSessionView }>(OPEN_PEER_SESSION_MUTATION, {
      serviceId: agent.serviceId("tcp"),
      offer,
    });
  }

  /** Upgrades a relay connection with `token`; resolves with the socket or the status. */
  function relay(token: string): Promise<Socket | number> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(RELAY_PATH, broker.url), {
        headers: {
          connection: "Upgrade",
          upgrade: RELAY_UPGRADE_PROTOCOL,
          authorization: `Bearer ${token}`,
        },
      });
      req.on("upgrade", (_response, socket: Socket) => resolve(socket));
      req.on("response", (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
  }

  it("another user's service, session and relay are all closed to them", async () => {
    const mine = await open(alice);
    const session = mine.data?.openPeerSession;
    assert.ok(session, JSON.stringify(mine.errors));
    const theirs = await open(bob);
    assert.equal(errorCode(theirs), "NOT_FOUND");
    const read = await bob.api<{ peerSession: unknown }>(PEER_SESSION_QUERY, { id: session.id });
    assert.equal(read.data?.peerSession, null);
    const offered = await bob.api(OFFER_PEER_MUTATION, { id: session.id, offer: "v=0" });
    assert.equal(errorCode(offered), "NOT_FOUND");
    const candidates = await bob.api(PEER_CANDIDATES_MUTATION, {
      id: session.id,
      mid: "0",
      candidates: [],
    });
    assert.equal(errorCode(candidates), "NOT_FOUND");
    const closed = await bob.api(CLOSE_PEER_SESSION_MUTATION, { id: session.id });
    assert.equal(errorCode(closed), "NOT_FOUND");
    const ownRead = await alice.api<{ peerSession: PeerSessionView }>(PEER_SESSION_QUERY, {
      id: session.id,
    });
    assert.equal(ownRead.data?.peerSession.id, session.id);
  });

  it("the relay refuses unknown tokens, and ends streams when the session ends", async () => {
    assert.equal(await relay("not-a-token"), 401);
    const session = (await open(alice)).data?.openPeerSession;
    assert.ok(session);
    const stream = await relay(session.token);
    assert.ok(typeof stream !== "number", `relay answered ${stream}`);
    stream.write("ping");
    const echoed = await new Promise<string>((resolve) =>
      stream.once("data", (d) => resolve(String(d))),
    );
    assert.equal(echoed, "ping");
    const ended = new Promise((resolve) => stream.once("close", resolve));
    await alice.api(CLOSE_PEER_SESSION_MUTATION, { id: session.id });
    await ended;
    assert.equal(await relay(session.token), 401);
  });

  it("an oversized offer is refused with BAD_USER_INPUT and creates nothing", async () => {
    const reply = await open(alice, "x".repeat(20_000));
    assert.equal(errorCode(reply), "BAD_USER_INPUT");
  });

  it("candidates the agent would not parse are refused with BAD_USER_INPUT", async () => {
    const session = (await open(alice)).data?.openPeerSession;
    assert.ok(session);
    const cases: [string, string, string[]][] = [
      ["an empty mid", "", []],
      ["an empty line", "0", [""]],
      ["a line over 512 characters", "0", ["x".repeat(513)]],
      ["65 lines", "0", Array.from({ length: 65 }, () => "candidate:1")],
    ];
    const id = session.id;
    for (const [name, mid, candidates] of cases) {
      const reply = await alice.api(PEER_CANDIDATES_MUTATION, { id, mid, candidates });
      assert.equal(errorCode(reply), "BAD_USER_INPUT", name);
    }
  });

  it("a P2P client with a wrong token is dropped before reaching the service", async () => {
    const session = (await open(alice)).data?.openPeerSession;
    assert.ok(session);
    const peer = await createPeer("hostile", { stunUrl: null, bindAddress: "127.0.0.1" });
    const control = peer.connection.createDataChannel("control");
    const controlOpen = new Promise<void>((resolve) => control.onOpen(resolve));
    let early: DataChannel | undefined;
    try {
      const { description, mid, candidates } = splitCandidates(await peer.description);
      const offered = await alice.api<{ offerPeer: PeerSessionView }>(OFFER_PEER_MUTATION, {
        id: session.id,
        offer: description,
      });
      const answer = offered.data?.offerPeer.answer;
      assert.ok(answer, JSON.stringify(offered));
      peer.connection.setRemoteDescription(answer, "answer");
      await alice.api(PEER_CANDIDATES_MUTATION, { id: session.id, mid, candidates });
      await peer.connected;
      const acceptedBefore = echo.accepted;
      // A stream channel before proving the token is refused outright.
      early = peer.connection.createDataChannel("s1");
      const earlyClosed = new Promise<void>((resolve) => early?.onClosed(resolve));
      await earlyClosed;
      await controlOpen;
      const sessionEnded = new Promise<void>((resolve) => control.onClosed(resolve));
      control.sendMessage(`auth:${"A".repeat(session.token.length)}`);
      await sessionEnded;
      await eventually(() => agent.peers.sessionCount === 0);
      assert.equal(echo.accepted, acceptedBefore, "nothing reached the service");
    } finally {
      early?.close();
      control.close();
      peer.close();
    }
  });
});
