// Sessions against a real broker, agent and visitors from distinct loopback addresses:
// remote.it's login { sessions } document (code_samples' "Get Active Sessions"),
// Service.sessions and Connection.session report who is on a port proxy, who latched a
// latching one, and a reverse proxy's keep-alive visitor.
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { describe, it } from "node:test";
import { connectOrFail, eventually, withStack } from "../../test-support/stack.js";
import { closed, connectFrom, probe } from "../../test-support/visitors.js";

/** remote.it's code_samples "Query: Get Active Sessions", as it is sent. */
const ACTIVE_SESSIONS = `query { login { sessions { id timestamp endpoint { proxy geo { countryName } } user { email } target { id name port application device { id name } } } } }`;

const SESSIONS = `{ login { sessions { id address state connected latched bytesIn bytesOut connectionId } } }`;

interface SessionFields {
  id: string;
  address: string;
  state: string;
  connected: boolean;
  latched: boolean;
  bytesIn: number;
  bytesOut: number;
  connectionId: string;
}

const CONNECTION_SESSION = `{ login { connections { id latchedIP session { address connected latched bytesIn } } } }`;
const SERVICE_SESSIONS = `{ login { devices { items { services { id sessions { address connectionId } } } } } }`;

describe("sessions", () => {
  it("answers remote.it's Get Active Sessions document for a port proxy's visitors", () =>
    withStack({ users: ["sessions@example.com"] }, async ({ user, agent }) => {
      const serviceId = agent.serviceId("tcp");
      const connection = await connectOrFail(user, serviceId, "0.0.0.0");
      const port = connection.port as number;
      const first = await connectFrom(port, "127.0.0.2");
      const second = await connectFrom(port, "127.0.0.3");
      first.write("abc");
      await new Promise<void>((resolve) => first.once("data", () => resolve()));

      const reply = await user.api<{
        login: {
          sessions: {
            id: string;
            timestamp: string;
            endpoint: { proxy: boolean; geo: null };
            user: { email: string };
            target: {
              id: string;
              name: string;
              port: number;
              application: number;
              device: { id: string; name: string };
            };
          }[];
        };
      }>(ACTIVE_SESSIONS);
      assert.equal(reply.errors, undefined, JSON.stringify(reply.errors));
      const listed = reply.data?.login.sessions ?? [];
      assert.equal(listed.length, 2);
      for (const session of listed) {
        assert.equal(session.endpoint.proxy, true);
        assert.equal(session.endpoint.geo, null);
        assert.equal(session.user.email, "sessions@example.com");
        assert.equal(session.target.id, serviceId);
        assert.equal(session.target.name, "tcp");
        assert.equal(session.target.application, 1);
        assert.equal(session.target.device.name, "test-device");
        assert.ok(!Number.isNaN(Date.parse(session.timestamp)));
      }

      const detail = await user.api<{ login: { sessions: SessionFields[] } }>(SESSIONS);
      const byAddress = new Map(detail.data?.login.sessions.map((s) => [s.address, s]));
      assert.deepEqual([...byAddress.keys()].sort(), ["127.0.0.2", "127.0.0.3"]);
      const fromFirst = byAddress.get("127.0.0.2");
      assert.equal(fromFirst?.bytesIn, 3);
      assert.equal(fromFirst?.bytesOut, 3);
      assert.equal(fromFirst?.connected, true);
      assert.equal(fromFirst?.state, "connected");
      assert.equal(fromFirst?.latched, false);
      assert.equal(fromFirst?.connectionId, connection.id);

      const perService = await user.api<{
        login: {
          devices: { items: { services: { id: string; sessions: { address: string }[] }[] }[] };
        };
      }>(SERVICE_SESSIONS);
      const service = perService.data?.login.devices.items[0]?.services.find(
        (s) => s.id === serviceId,
      );
      assert.deepEqual(service?.sessions.map((s) => s.address).sort(), ["127.0.0.2", "127.0.0.3"]);

      second.end();
      await closed(second);
      await eventually(async () => {
        const now = await user.api<{ login: { sessions: SessionFields[] } }>(SESSIONS);
        return now.data?.login.sessions.length === 1;
      });
      first.destroy();
      await eventually(async () => {
        const now = await user.api<{
          login: { connections: { session: { address: string; connected: boolean } | null }[] };
        }>(CONNECTION_SESSION);
        const last = now.data?.login.connections[0]?.session;
        return last?.connected === false && last.address === "127.0.0.2";
      });
      const empty = await user.api<{ login: { sessions: SessionFields[] } }>(SESSIONS);
      assert.deepEqual(empty.data?.login.sessions, []);
    }));

  it("names who latched a latching proxy; a refused visitor has no session", () =>
    withStack({ users: ["latch-sessions@example.com"] }, async ({ user, agent }) => {
      const connection = await connectOrFail(user, agent.serviceId("tcp"), "255.255.255.255");
      assert.equal(connection.hostIP, "255.255.255.255");
      const before = await user.api<{
        login: { connections: { latchedIP: string | null; session: null }[] };
      }>(CONNECTION_SESSION);
      assert.deepEqual(before.data?.login.connections[0], {
        id: connection.id,
        latchedIP: null,
        session: null,
      });
      const port = connection.port as number;
      const latcher = await connectFrom(port, "127.0.0.3");
      latcher.write("x");
      await new Promise<void>((resolve) => latcher.once("data", () => resolve()));
      assert.equal(await probe(port, "127.0.0.2"), "closed");

      const reply = await user.api<{
        login: {
          connections: {
            latchedIP: string | null;
            session: { address: string; latched: boolean; connected: boolean };
          }[];
        };
      }>(CONNECTION_SESSION);
      const listed = reply.data?.login.connections[0];
      assert.equal(listed?.latchedIP, "127.0.0.3");
      assert.equal(listed?.session.address, "127.0.0.3");
      assert.equal(listed?.session.latched, true);
      assert.equal(listed?.session.connected, true);
      const all = await user.api<{ login: { sessions: SessionFields[] } }>(SESSIONS);
      assert.deepEqual(
        all.data?.login.sessions.map((s) => [s.address, s.latched]),
        [["127.0.0.3", true]],
      );
      latcher.destroy();
    }));

  it("gives a reverse proxy's keep-alive visitor one session with its address", () =>
    withStack(
      {
        users: ["reverse-sessions@example.com"],
        services: [{ name: "web", application: 7, target: "web" }],
      },
      async ({ broker, user, agent }) => {
        const connection = await connectOrFail(user, agent.serviceId("web"));
        assert.equal(connection.reverseProxy, true);
        const keepAlive = new Agent({ keepAlive: true, localAddress: "127.0.0.2" });
        const get = () =>
          new Promise<number>((resolve, reject) => {
            request(
              {
                host: "127.0.0.1",
                port: broker.port,
                headers: { host: connection.host },
                agent: keepAlive,
              },
              (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode ?? 0));
              },
            )
              .on("error", reject)
              .end();
          });
        try {
          assert.equal(await get(), 200);
          assert.equal(await get(), 200);
          const reply = await user.api<{ login: { sessions: SessionFields[] } }>(SESSIONS);
          const sessions = reply.data?.login.sessions ?? [];
          assert.equal(sessions.length, 1, JSON.stringify(sessions));
          assert.equal(sessions[0]?.address, "127.0.0.2");
          assert.equal(sessions[0]?.connectionId, connection.id);
          assert.ok((sessions[0]?.bytesIn ?? 0) > 0);
        } finally {
          keepAlive.destroy();
        }
        await eventually(async () => {
          const now = await user.api<{ login: { sessions: SessionFields[] } }>(SESSIONS);
          return now.data?.login.sessions.length === 0;
        });
      },
    ));
});
