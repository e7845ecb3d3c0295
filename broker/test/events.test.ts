// The `event` subscription over a signed graphql-ws WebSocket, against a real broker, agent
// and visitors: devices going offline and online, connections opening and ending with
// their reason, visitors' sessions; only to their owner; unsigned upgrades refused; the
// per-user bounds and the query limits hold.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import WebSocket from "ws";
import { MAX_EVENT_SOCKETS_PER_USER } from "../../broker/api/event-socket.js";
import { MAX_SUBSCRIPTIONS_PER_USER } from "../../broker/events/event-bus.js";
import {
  signedEventClient,
  signedUpgradeHeaders,
  subscribe,
} from "../../test-support/event-client.js";
import {
  connectOrFail,
  createTestUser,
  DISCONNECT,
  errorCode,
  eventually,
  startTestBroker,
  withStack,
} from "../../test-support/stack.js";
import { closed, connectFrom } from "../../test-support/visitors.js";

const EVENTS = `subscription { event {
  __typename type action state timestamp
  actor { id email } owner { email }
  target { id name port application device { id name } }
  ... on DeviceConnectEvent { connectionId reason proxy lifetime }
  ... on ProxySessionEvent { visitor { id address connected bytesIn connectionId } }
} }`;

interface EventPayload {
  event: {
    __typename: string;
    type: string;
    action: string;
    state: string;
    timestamp: string;
    actor: { id: string; email: string };
    owner: { email: string };
    target: { id: string; name: string | null; port: number | null; device: { id: string } }[];
    connectionId?: string;
    reason?: string | null;
    lifetime?: number | null;
    visitor?: {
      id: string;
      address: string;
      connected: boolean;
      bytesIn: number;
      connectionId: string;
    };
  };
}

/** The upgrade's HTTP status, or 101 when it was accepted. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, "graphql-transport-ws", { headers });
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("error", (error) => {
      if (!error.message.includes("Unexpected server response")) reject(error);
    });
  });
}

describe("event subscription", () => {
  it("tells the owner of connections, sessions and device state, and nobody else", () =>
    withStack({ users: ["owner@example.com", "other@example.com"] }, async (stack) => {
      const { broker, user, users, agent } = stack;
      const other = users[1];
      assert.ok(other);
      const mine = signedEventClient(broker.apiUrl, user.credentials);
      const theirs = signedEventClient(broker.apiUrl, other.credentials);
      try {
        const feed = subscribe<EventPayload>(mine, EVENTS);
        const otherFeed = subscribe<EventPayload>(theirs, EVENTS);
        // Both subscriptions reach the bus before anything happens.
        await new Promise((r) => setTimeout(r, 300));

        const serviceId = agent.serviceId("tcp");
        const connection = await connectOrFail(user, serviceId, "0.0.0.0");
        const opened = await feed.next(
          (p) => p.event.type === "DEVICE_CONNECT" && p.event.connectionId === connection.id,
        );
        assert.equal(opened.event.__typename, "DeviceConnectEvent");
        assert.equal(opened.event.action, "connected");
        assert.equal(opened.event.reason, null);
        assert.equal(opened.event.actor.email, "owner@example.com");
        assert.equal(opened.event.target[0]?.id, serviceId);
        assert.equal(opened.event.target[0]?.name, "tcp");

        const visitor = await connectFrom(connection.port as number, "127.0.0.2");
        visitor.write("hello");
        const started = await feed.next(
          (p) => p.event.type === "PROXY_SESSION" && p.event.action === "started",
        );
        assert.equal(started.event.visitor?.address, "127.0.0.2");
        assert.equal(started.event.visitor?.connectionId, connection.id);
        visitor.end();
        await closed(visitor);
        const ended = await feed.next(
          (p) => p.event.type === "PROXY_SESSION" && p.event.action === "ended",
        );
        assert.equal(ended.event.visitor?.id, started.event.visitor?.id);
        assert.equal(ended.event.visitor?.connected, false);
        assert.equal(ended.event.visitor?.bytesIn, 5);

        const reply = await user.api(DISCONNECT, { serviceId, connectionId: connection.id });
        assert.equal(reply.errors, undefined);
        const gone = await feed.next(
          (p) => p.event.type === "DEVICE_CONNECT" && p.event.action === "disconnected",
        );
        assert.equal(gone.event.reason, "disconnected");
        assert.equal(typeof gone.event.lifetime, "number");

        const deviceId = opened.event.target[0]?.device.id;
        await agent.stop();
        const offline = await feed.next((p) => p.event.type === "DEVICE_STATE");
        assert.equal(offline.event.__typename, "DeviceStateEvent");
        assert.equal(offline.event.state, "inactive");
        assert.equal(offline.event.target[0]?.id, deviceId);
        assert.equal(offline.event.target[0]?.name, "test-device");
        const again = await stack.startAgent(
          [{ name: "tcp", application: 1, host: "127.0.0.1", port: stack.echo.port }],
          { dataDir: agent.dataDir },
        );
        const online = await feed.next(
          (p) => p.event.type === "DEVICE_STATE" && p.event.state === "active",
        );
        assert.equal(online.event.target[0]?.id, deviceId);
        assert.equal(again.serviceId("tcp"), serviceId);

        assert.deepEqual(otherFeed.received, [], "another user saw the owner's events");
        assert.deepEqual(feed.errors, []);
      } finally {
        await mine.dispose();
        await theirs.dispose();
      }
    }));

  it("says a connection ended by expiry", () =>
    withStack({ settings: { timeout: 1 }, users: ["expiry-events@example.com"] }, async (s) => {
      const client = signedEventClient(s.broker.apiUrl, s.user.credentials);
      try {
        const feed = subscribe<EventPayload>(client, EVENTS);
        await new Promise((r) => setTimeout(r, 300));
        const connection = await connectOrFail(s.user, s.agent.serviceId("tcp"));
        const ended = await feed.next(
          (p) => p.event.action === "disconnected" && p.event.connectionId === connection.id,
        );
        assert.equal(ended.event.reason, "expired");
      } finally {
        await client.dispose();
      }
    }));

  it("closes while a subscriber is connected, ending its socket", async () => {
    const broker = await startTestBroker();
    const user = await createTestUser(broker, "closing@example.com");
    const client = signedEventClient(broker.apiUrl, user.credentials);
    const opened = new Promise<void>((resolve) => client.on("connected", () => resolve()));
    const ended = new Promise<void>((resolve) => client.on("closed", () => resolve()));
    try {
      subscribe<EventPayload>(client, EVENTS);
      await opened;
      // Before the fix this never resolved: the upgraded socket kept the server open.
      await broker.close();
      await ended;
    } finally {
      await client.dispose();
    }
  });

  it("answers a subscription sent with POST at once, pointing at the WebSocket", () =>
    withStack({ users: ["posted@example.com"] }, async ({ user }) => {
      const reply = await user.api("subscription { event { id } }");
      assert.equal(errorCode(reply), "BAD_USER_INPUT");
      assert.match(reply.errors?.[0]?.message ?? "", /WebSocket/);
    }));

  it("refuses unsigned and badly signed upgrades before any subscription", () =>
    withStack({ users: ["refused@example.com"] }, async ({ broker, user }) => {
      const url = broker.apiUrl.replace(/^http/, "ws");
      assert.equal(await upgradeStatus(url, {}), 401);
      const wrong = signedUpgradeHeaders(broker.apiUrl, {
        accessKeyId: user.credentials.accessKeyId,
        secretAccessKey: Buffer.from("not the secret").toString("base64"),
      });
      assert.equal(await upgradeStatus(url, wrong), 401);
      assert.equal(
        await upgradeStatus(url, signedUpgradeHeaders(broker.apiUrl, user.credentials)),
        101,
      );
    }));

  it(`holds a user to ${MAX_EVENT_SOCKETS_PER_USER} open sockets`, () =>
    withStack({ users: ["sockets@example.com"] }, async ({ broker, user }) => {
      const url = broker.apiUrl.replace(/^http/, "ws");
      const open = async () => {
        const ws = new WebSocket(url, "graphql-transport-ws", {
          headers: signedUpgradeHeaders(broker.apiUrl, user.credentials),
        });
        await new Promise((resolve, reject) => {
          ws.once("open", resolve);
          ws.once("error", reject);
        });
        return ws;
      };
      const sockets: WebSocket[] = [];
      try {
        for (let i = 0; i < MAX_EVENT_SOCKETS_PER_USER; i++) sockets.push(await open());
        // Each attempt signs afresh: the broker accepts a signature once.
        const signed = () => signedUpgradeHeaders(broker.apiUrl, user.credentials);
        assert.equal(await upgradeStatus(url, signed()), 429);
        const first = sockets.shift();
        first?.close();
        await eventually(async () => (await upgradeStatus(url, signed())) === 101);
      } finally {
        for (const ws of sockets) ws.terminate();
      }
    }));

  it(`holds a user to ${MAX_SUBSCRIPTIONS_PER_USER} subscriptions and to the query limits`, () =>
    withStack({ users: ["bounded@example.com"] }, async ({ broker, user }) => {
      const client = signedEventClient(broker.apiUrl, user.credentials);
      try {
        const feeds = Array.from({ length: MAX_SUBSCRIPTIONS_PER_USER + 1 }, () =>
          subscribe<EventPayload>(client, "subscription { event { id type } }"),
        );
        await eventually(() => feeds.some((feed) => feed.errors.length > 0));
        const refused = feeds.filter((feed) => feed.errors.length > 0);
        assert.equal(refused.length, 1);
        assert.match(JSON.stringify(refused[0]?.errors), /RESOURCE_EXHAUSTED/);
        // Ending one frees its place.
        for (const feed of feeds) feed.stop();
        const later = subscribe<EventPayload>(client, "subscription { event { id } }");
        const deep = subscribe<EventPayload>(
          client,
          `subscription { event { ... on ProxySessionEvent { visitor { target { device { services {
            sessions { target { device { services { id } } } } } } } } } } }`,
        );
        await eventually(() => deep.errors.length > 0);
        assert.match(JSON.stringify(deep.errors), /depth/i);
        assert.match(JSON.stringify(deep.errors), /"code":"BAD_USER_INPUT"/);
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(later.errors, []);
      } finally {
        await client.dispose();
      }
    }));
});
