// Persistent public links end to end: a real broker, agent and web service; visitors from
// 127.0.0.2 and 127.0.0.3. The documents are the ones remote.it's desktop and code samples
// send (setConnectLink, removeConnectLink, services { link { … } }).
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { WebSocket } from "ws";
import {
  createTestUser,
  errorCode,
  startStack,
  startTestAgent,
  startTestBroker,
  type TestStack,
  type TestUser,
} from "../../test-support/stack.js";
import { visitLink } from "../../test-support/visitors.js";
import { DATABASE_FILE } from "../store/sqlite/open-database.js";

/** The desktop's documents (remoteit/desktop graphQLMutation.ts), as it sends them. */
const SET_LINK = `mutation SetLink($serviceId: String!, $password: String, $enabled: Boolean) {
  setConnectLink(serviceId: $serviceId, password: $password, enabled: $enabled) { url code enabled created }
}`;
const REMOVE_LINK = `mutation RemoveLink($serviceId: String!) { removeConnectLink(serviceId: $serviceId) }`;
/** code_samples' public-URL documents. */
const SET_PUBLIC_URL = `mutation SetPublicURL($serviceId: String!, $isEnabled: Boolean!) {
  setConnectLink(serviceId: $serviceId, enabled: $isEnabled) { url password enabled }
}`;
const LIST_LINKS = `{ login { devices { items { services { id link { url enabled password } } } } } }`;
const SET_RULES = `mutation ($serviceId: String!, $allow: [String!], $deny: [String!]) {
  setConnectLink(serviceId: $serviceId, allow: $allow, deny: $deny) { url allow deny }
}`;
const DISABLE = `mutation ($serviceId: String!) { disableConnectLink(serviceId: $serviceId) }`;
const ENABLE = `mutation ($serviceId: String!) { enableConnectLink(serviceId: $serviceId) { url enabled } }`;
const USER_LINKS = `{ login { links(type: [HTTPS, WSS]) { url code service { id name } } } }`;

interface LinkReply {
  url: string;
  code: string;
  enabled: boolean;
  created: string;
}

/** A web service that counts the requests reaching it and keeps the last one's headers. */
async function startCountingWeb(): Promise<{
  port: number;
  requests: number;
  lastHeaders: IncomingHttpHeaders | null;
  server: Server;
}> {
  const web = { port: 0, requests: 0, lastHeaders: null as IncomingHttpHeaders | null };
  const server = createServer((req, res) => {
    web.requests++;
    web.lastHeaders = req.headers;
    res.writeHead(200, { "content-type": "text/plain" }).end("hello from target");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  web.port = (server.address() as AddressInfo).port;
  return Object.assign(web, { server });
}

async function setLink(
  user: TestUser,
  serviceId: string,
  variables: Record<string, unknown> = {},
): Promise<LinkReply> {
  const reply = await user.api<{ setConnectLink: LinkReply }>(SET_LINK, {
    serviceId,
    ...variables,
  });
  if (!reply.data?.setConnectLink)
    throw new Error(`SetLink failed: ${JSON.stringify(reply.errors)}`);
  return reply.data.setConnectLink;
}

describe("public links", () => {
  let stack: TestStack;
  let web: Awaited<ReturnType<typeof startCountingWeb>>;
  let user: TestUser;
  let webId: string;
  let sshId: string;

  before(async () => {
    web = await startCountingWeb();
    stack = await startStack({
      users: ["links@example.com", "other@example.com"],
      services: [
        { name: "web", application: 7, port: web.port },
        { name: "ssh", application: 28, target: "echo" },
        { name: "site", application: 7, target: "web" },
      ],
    });
    user = stack.user;
    webId = stack.agent.serviceId("web");
    sshId = stack.agent.serviceId("ssh");
  });

  after(async () => {
    await stack.stop();
    await new Promise((resolve) => web.server.close(resolve));
  });

  it("SetLink makes a public URL that serves the web service, listed by services { link }", async () => {
    const link = await setLink(user, webId);
    assert.equal(link.enabled, true);
    assert.match(link.url, /^http:\/\/[a-z0-9]{16}\.p1\.[^:]+:\d+$/);
    assert.equal(new URL(link.url).hostname.split(".")[0], link.code);
    assert.ok(!Number.isNaN(Date.parse(link.created)));
    const seen = await visitLink(link.url, "127.0.0.2");
    assert.deepEqual([seen.status, seen.body], [200, "hello from target"]);

    const list = await user.api<{
      login: { devices: { items: { services: { id: string; link: unknown }[] }[] } };
    }>(LIST_LINKS);
    const services = list.data?.login.devices.items.flatMap((d) => d.services) ?? [];
    assert.deepEqual(services.find((s) => s.id === webId)?.link, {
      url: link.url,
      enabled: true,
      password: null,
    });
    assert.equal(services.find((s) => s.id === sshId)?.link, null);
    const mine = await user.api<{ login: { links: { url: string; service: { id: string } }[] } }>(
      USER_LINKS,
    );
    assert.deepEqual(
      mine.data?.login.links.map((l) => [l.url, l.service.id]),
      [[link.url, webId]],
    );
  });

  it("with a password: no or wrong credentials get 401 and never reach the service", async () => {
    const link = await setLink(user, webId, { password: "correct horse" });
    const before = web.requests;
    const bare = await visitLink(link.url, "127.0.0.2");
    assert.equal(bare.status, 401);
    assert.match(bare.authenticate ?? "", /^Basic realm=/);
    assert.equal((await visitLink(link.url, "127.0.0.2", "wrong")).status, 401);
    assert.equal(web.requests, before, "the service saw nothing");
    const good = await visitLink(link.url, "127.0.0.2", "correct horse");
    assert.deepEqual([good.status, good.body], [200, "hello from target"]);
    assert.equal(web.requests, before + 1);
    assert.equal(
      web.lastHeaders?.authorization,
      undefined,
      "the link password stays at the broker",
    );

    const shown = await user.api<{ setConnectLink: { password: string | null } }>(SET_PUBLIC_URL, {
      serviceId: webId,
      isEnabled: true,
    });
    assert.equal(shown.data?.setConnectLink.password, "********", "set, never revealed");
    const db = new Database(join(stack.broker.dataDir, DATABASE_FILE), { readonly: true });
    try {
      const stored = db.prepare("SELECT password_hash AS hash FROM links").get() as {
        hash: string;
      };
      assert.match(stored.hash, /^scrypt\$/);
      assert.ok(!stored.hash.includes("correct horse"));
    } finally {
      db.close();
    }
    // An empty password removes it.
    await setLink(user, webId, { password: "" });
    assert.equal((await visitLink(link.url, "127.0.0.2")).status, 200);
  });

  it("a flood of password guesses is answered 429 rather than queued; none reaches the service", async () => {
    const link = await setLink(user, webId, { password: "flood" });
    const before = web.requests;
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => visitLink(link.url, "127.0.0.2", "guess")),
    );
    const statuses = replies.map((r) => r.status);
    assert.ok(
      statuses.every((s) => s === 401 || s === 429),
      statuses.join(),
    );
    assert.ok(statuses.includes(429), `some guesses were turned away: ${statuses.join()}`);
    assert.equal(web.requests, before);
    await setLink(user, webId, { password: "" });
  });

  it("WebSockets through a link pass the same password gate", async () => {
    const siteId = stack.agent.serviceId("site");
    const link = await setLink(user, siteId, { password: "ws-pw" });
    const wsUrl = link.url.replace(/^http/, "ws");
    const open = (password?: string) =>
      new Promise<string>((resolve) => {
        const headers: Record<string, string> = {};
        if (password) {
          headers.authorization = `Basic ${Buffer.from(`v:${password}`).toString("base64")}`;
        }
        const host = new URL(link.url);
        const socket = new WebSocket(`ws://127.0.0.1:${host.port}/`, {
          headers: { ...headers, host: host.host },
          localAddress: "127.0.0.2",
        });
        socket.on("unexpected-response", (_req, res) => {
          resolve(`refused ${res.statusCode}`);
          socket.terminate();
        });
        socket.on("open", () => socket.send("ping"));
        socket.on("message", (data) => {
          resolve(`echo ${String(data)}`);
          socket.close();
        });
        socket.on("error", () => resolve("error"));
      });
    assert.ok(wsUrl.startsWith("ws://"));
    assert.equal(await open(), "refused 401");
    assert.equal(await open("ws-pw"), "echo ping");
    assert.equal(stack.web.lastHeaders?.authorization, undefined);
    await user.api(REMOVE_LINK, { serviceId: siteId });
  });

  it("allow and deny decide by the visitor's address, deny winning, before anything is proxied", async () => {
    const reply = await user.api<{ setConnectLink: { url: string } }>(SET_RULES, {
      serviceId: webId,
      allow: ["127.0.0.2/32"],
      deny: [],
    });
    const url = reply.data?.setConnectLink.url as string;
    assert.equal((await visitLink(url, "127.0.0.2")).status, 200);
    const before = web.requests;
    assert.equal((await visitLink(url, "127.0.0.3")).status, 403);
    assert.equal(web.requests, before, "a refused visitor reaches nothing");
    await user.api(SET_RULES, { serviceId: webId, allow: ["127.0.0.0/8"], deny: ["127.0.0.2"] });
    assert.equal((await visitLink(url, "127.0.0.2")).status, 403);
    assert.equal((await visitLink(url, "127.0.0.3")).status, 200);
    await user.api(SET_RULES, { serviceId: webId, allow: [], deny: [] });
    assert.equal((await visitLink(url, "127.0.0.2")).status, 200);
  });

  it("disable stops serving, enable resumes at the same URL, remove forgets it", async () => {
    const link = await setLink(user, webId);
    const off = await user.api<{ setConnectLink: { enabled: boolean } }>(SET_PUBLIC_URL, {
      serviceId: webId,
      isEnabled: false,
    });
    assert.equal(off.data?.setConnectLink.enabled, false);
    assert.equal((await visitLink(link.url, "127.0.0.2")).status, 404);
    const on = await setLink(user, webId, { enabled: true });
    assert.equal(on.url, link.url);
    assert.equal((await visitLink(link.url, "127.0.0.2")).status, 200);

    assert.equal(
      (await user.api<{ disableConnectLink: boolean }>(DISABLE, { serviceId: webId })).data
        ?.disableConnectLink,
      true,
    );
    assert.equal((await visitLink(link.url, "127.0.0.2")).status, 404);
    const enabled = await user.api<{ enableConnectLink: { url: string } }>(ENABLE, {
      serviceId: webId,
    });
    assert.equal(enabled.data?.enableConnectLink.url, link.url);
    assert.equal((await visitLink(link.url, "127.0.0.2")).status, 200);

    const removed = await user.api<{ removeConnectLink: boolean }>(REMOVE_LINK, {
      serviceId: webId,
    });
    assert.equal(removed.data?.removeConnectLink, true);
    assert.equal((await visitLink(link.url, "127.0.0.2")).status, 404);
    const again = await user.api<{ removeConnectLink: boolean }>(REMOVE_LINK, { serviceId: webId });
    assert.equal(again.data?.removeConnectLink, false);
    const fresh = await setLink(user, webId);
    assert.notEqual(fresh.url, link.url, "a removed link's URL is not reused");
  });

  it("refuses a non-http service, a long password and a malformed CIDR, changing nothing", async () => {
    const link = await setLink(user, webId, { password: "" });
    const ssh = await user.api(SET_LINK, { serviceId: sshId });
    assert.equal(errorCode(ssh), "BAD_USER_INPUT");
    assert.match(ssh.errors?.[0]?.message ?? "", /http and https services only/);
    const long = await user.api(SET_LINK, { serviceId: webId, password: "x".repeat(129) });
    assert.equal(errorCode(long), "BAD_USER_INPUT");
    assert.match(long.errors?.[0]?.message ?? "", /password .*at most 128/);
    const cidr = await user.api(SET_RULES, { serviceId: webId, allow: ["10.0.0.300/8"] });
    assert.equal(errorCode(cidr), "BAD_USER_INPUT");
    assert.match(cidr.errors?.[0]?.message ?? "", /^allow has "10\.0\.0\.300\/8"/);
    assert.equal((await visitLink(link.url, "127.0.0.3")).status, 200, "no password, no rules");
    const list = await user.api<{ login: { links: { url: string }[] } }>(USER_LINKS);
    assert.deepEqual(
      list.data?.login.links.map((l) => l.url),
      [link.url],
      "no link for ssh",
    );

    const other = stack.users[1] as TestUser;
    assert.equal(errorCode(await other.api(SET_LINK, { serviceId: webId })), "NOT_FOUND");
    assert.equal(errorCode(await other.api(REMOVE_LINK, { serviceId: webId })), "NOT_FOUND");
    assert.equal((await visitLink(link.url, "127.0.0.3")).status, 200);
  });
});

describe("public links across a broker restart", () => {
  it("come back at the same URL, password included", async () => {
    const web = await startCountingWeb();
    const first = await startTestBroker();
    const user = await createTestUser(first, "restart-links@example.com");
    const services = [{ name: "web", application: 7, port: web.port, host: "127.0.0.1" }];
    const agent = await startTestAgent(first, user, services);
    const link = await setLink(user, agent.serviceId("web"), { password: "pw" });
    assert.equal((await visitLink(link.url, "127.0.0.2", "pw")).status, 200);
    await first.close();
    await agent.stop();

    const second = await startTestBroker({ dataDir: first.dataDir, listenPort: first.port });
    try {
      const offline = await visitLink(link.url, "127.0.0.2", "pw");
      assert.equal(offline.status, 503, "served, but the device is not back yet");
    } catch (error) {
      await second.close();
      throw error;
    }
    const agentAgain = await startTestAgent(second, user, services, { dataDir: agent.dataDir });
    try {
      assert.equal((await visitLink(link.url, "127.0.0.2")).status, 401);
      const seen = await visitLink(link.url, "127.0.0.2", "pw");
      assert.deepEqual([seen.status, seen.body], [200, "hello from target"]);
      const list = await user.api<{ login: { links: { url: string }[] } }>(USER_LINKS);
      assert.deepEqual(
        list.data?.login.links.map((l) => l.url),
        [link.url],
      );
    } finally {
      await agentAgain.stop();
      await second.close();
      await second.removeData();
      await new Promise((resolve) => web.server.close(resolve));
    }
  });
});
