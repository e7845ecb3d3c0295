// The desktop app end to end in headless mode: real broker, real agent, real services,
// the real renderer in Debian's Chromium, driven as a user would.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { connect as netConnect } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startHeadlessApp } from "../main/headless/start-headless-app.js";
import { launchChromium } from "../test-support/browser.js";
import {
  createTestUser,
  startStack,
  startTestAgent,
  startTestBroker,
  type TestAgent,
  type TestBroker,
  type TestStack,
  type TestUser,
  tempDir,
} from "../test-support/stack.js";
import type { TcpEcho } from "../test-support/targets.js";
import { echoThrough, probe, randomPayload } from "../test-support/visitors.js";
import {
  addressOf,
  choose,
  connectVia,
  fromMenu,
  openConnect,
  SHOTS,
  savedRow,
  scan,
  shoot,
  signIn,
  stateIs,
} from "./desktop-page.js";

/** Both peers of on-demand connections gather P2P candidates on loopback only. */
const LOOPBACK = "127.0.0.1";

describe("desktop app in headless mode (Chromium)", () => {
  let stack: TestStack;
  let broker: TestBroker;
  let shortBroker: TestBroker;
  let shortAgent: TestAgent;
  let app: Awaited<ReturnType<typeof startHeadlessApp>>;
  let echo: TcpEcho;
  let user: TestUser;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const socketFrames: string[] = [];
  let shortUserSecret = "";
  let shortUser: TestUser | undefined;
  const shortUserRef = (): TestUser => {
    if (!shortUser) throw new Error("the expiry test signs in to the short broker first");
    return shortUser;
  };

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    stack = await startStack({
      users: ["e2e@example.com"],
      services: [
        { name: "shell", application: 28, target: "echo" },
        { name: "web", application: 7, target: "web" },
      ],
      agent: { p2pBindAddress: LOOPBACK },
    });
    ({ broker, echo, user } = stack);
    shortBroker = await startTestBroker({ timeout: 4 });
    app = await startHeadlessApp({
      dataDir: await tempDir("reach-e2e-"),
      port: 0,
      p2pBindAddress: LOOPBACK,
      p2pWaitMs: 15_000,
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 400, height: 600 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
    page = await context.newPage();
    page.on("websocket", (ws) => {
      ws.on("framesent", (f) => socketFrames.push(String(f.payload)));
      ws.on("framereceived", (f) => socketFrames.push(String(f.payload)));
    });
    await page.goto(app.link);
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await shortAgent?.stop();
    await shortBroker?.close();
    await stack?.stop();
  });

  const signInAs = (apiUrl: string, key: string, secret: string) =>
    signIn(page, apiUrl, key, secret);

  it("shows the broker's reasons when sign-in fails", async () => {
    await page.getByRole("heading", { name: "Sign in to your broker" }).waitFor();
    await signInAs(
      broker.apiUrl,
      user.credentials.accessKeyId,
      Buffer.alloc(32, 9).toString("base64"),
    );
    await page.getByRole("alert").filter({ hasText: "signature does not match" }).waitFor();
    await signInAs("http://127.0.0.1:9/graphql/v1", "AK", "eA==");
    await page
      .getByRole("alert")
      .filter({ hasText: "Cannot reach the broker at http://127.0.0.1:9" })
      .waitFor();
    await page.screenshot({ path: `${SHOTS}/sign-in-error.png` });
  });

  it("signs in and lists the devices' services", async () => {
    await signInAs(broker.apiUrl, user.credentials.accessKeyId, user.credentials.secretAccessKey);
    await page.getByRole("heading", { name: "Devices and services" }).waitFor();
    await page.getByText("e2e@example.com").waitFor();
    assert.equal(await page.locator(".service .service-name").count(), 2);
    await page.screenshot({ path: `${SHOTS}/services.png` });
  });

  it("connects a public proxy in each hostIP mode, and the addresses admit the right visitors", async () => {
    const open = await connectVia(page, "shell", {
      route: "Public proxy",
      who: "Public (0.0.0.0)",
      name: "shell-public",
    });
    await stateIs(open, "public");
    const publicPort = (await addressOf(open)).port;
    assert.equal(await probe(publicPort, "127.0.0.2"), "echoed");
    assert.equal(await probe(publicPort, "127.0.0.3"), "echoed");

    const form = await openConnect(page, "shell");
    await choose(form, "Public proxy");
    await choose(form, "Restricted to one IP");
    assert.equal(
      await form.getByLabel("IP address allowed").inputValue(),
      "127.0.0.1",
      "prefilled with my IP as the broker sees it",
    );
    await form.getByLabel("IP address allowed").fill("1.2.3");
    await form.getByText("Enter one IPv4 or IPv6 address.").waitFor();
    assert.equal(await form.locator("button[type=submit]").isDisabled(), true);
    await shoot(page, "connect-panel-public");
    await form.getByRole("button", { name: "Cancel" }).click();
    const restricted = await connectVia(page, "shell", {
      route: "Public proxy",
      who: "Restricted to one IP",
      restrictTo: "127.0.0.2",
      name: "shell-restricted",
    });
    await stateIs(restricted, "public");
    const restrictedPort = (await addressOf(restricted)).port;
    assert.equal(await probe(restrictedPort, "127.0.0.3"), "closed");
    assert.equal(await probe(restrictedPort, "127.0.0.2"), "echoed");

    const latching = await connectVia(page, "shell", {
      route: "Public proxy",
      who: "Latching (255.255.255.255)",
      name: "shell-latching",
    });
    await stateIs(latching, "public");
    const latchingPort = (await addressOf(latching)).port;
    assert.equal(await probe(latchingPort, "127.0.0.3"), "echoed");
    assert.equal(await probe(latchingPort, "127.0.0.2"), "closed");
  });

  it("starts web services on the public link, which reaches the service", async () => {
    const form = await openConnect(page, "web");
    assert.equal(
      await form.locator("label.mode", { hasText: "Public proxy" }).locator("input").isChecked(),
      true,
      "web services start on the public proxy",
    );
    await form.getByText(/^Public link: a random web address/).waitFor();
    await form.getByLabel("Connection name").fill("web-link");
    await form.getByRole("button", { name: "Connect" }).click();
    const row = savedRow(page, "web-link");
    await stateIs(row, "public");
    const url = new URL((await row.locator(".address").textContent()) ?? "");
    assert.equal(url.protocol, "http:");
    const body = await new Promise<string>((resolve, reject) => {
      const socket = netConnect(broker.port, "127.0.0.1", () =>
        socket.write(`GET / HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`),
      );
      let text = "";
      socket.on("data", (c) => {
        text += c;
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    assert.match(body, /hello from target/);
  });

  it("sets a web service's persistent public link with a password", async () => {
    const form = await openConnect(page, "web");
    const link = form.locator(".public-link-row");
    await link.getByLabel("Persistent public link").check();
    await link.getByLabel("Link password (optional)").fill("s3cret-pass");
    await link.getByRole("button", { name: "Save public link" }).click();
    await link.locator(".link-state", { hasText: "on · password set" }).waitFor();
    const url = (await link.locator(".link-url").textContent()) ?? "";
    assert.match(url, /^https?:\/\//);
    assert.equal(await link.getByLabel("Link password (optional)").inputValue(), "");
    await shoot(page, "public-link");
    await form.getByRole("button", { name: "Cancel" }).click();
  });

  it("copies a public link to the clipboard and says so; shows the countdown", async () => {
    const row = savedRow(page, "web-link");
    const address = (await row.locator(".address").textContent()) ?? "";
    await row.getByRole("button", { name: "Copy" }).click();
    await row.getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), address);
    assert.match(
      (await row.locator(".countdown").textContent()) ?? "",
      /^expires in (7h 59m|8h 0m)$/,
    );
    await shoot(page, "connections");
  });

  it("disconnect makes the address dead, and Connect opens it again", async () => {
    const row = savedRow(page, "shell-public");
    const { port } = await addressOf(row);
    await row.getByRole("button", { name: "Disconnect" }).click();
    await stateIs(row, /^(idle|off)$/);
    assert.equal(await probe(port, "127.0.0.3"), "closed");
    await row.getByRole("button", { name: "Connect" }).click();
    await stateIs(row, "public");
    assert.equal(await probe((await addressOf(row)).port, "127.0.0.3"), "echoed");
  });

  it("adds a peer-to-peer connection that carries bytes, copies its ssh command, and removes it", async () => {
    const row = await connectVia(page, "shell", { route: "Peer to peer only", name: "shell-p2p" });
    await stateIs(row, "idle");
    const { host, port } = await addressOf(row);
    assert.equal(host, "127.0.0.1");

    const payload = randomPayload(512);
    assert.deepEqual(await echoThrough(port, "127.0.0.1", payload), payload);
    await stateIs(row, "connected P2P");
    await row.locator(".bytes", { hasText: "512 B in · 512 B out" }).waitFor();

    // Copy needs the username for ssh: asked once, inline, then remembered.
    await row.getByRole("button", { name: "Copy" }).click();
    await row.getByLabel("Username for this connection").fill("alice");
    await shoot(page, "username-prompt");
    await row.locator("form.token-prompt").getByRole("button", { name: "Copy" }).click();
    await row.getByRole("button", { name: "Copied" }).waitFor();
    const command = `ssh -l alice 127.0.0.1 -p ${port}`;
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), command);
    await page.evaluate(() => navigator.clipboard.writeText(""));
    await row.getByRole("button", { name: "Copy" }).click();
    await row.getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), command);
    assert.equal(await row.locator("form.token-prompt").count(), 0, "not asked again");
    await shoot(page, "on-demand");

    await row.getByRole("button", { name: /^Remove shell-p2p/ }).click();
    await row.waitFor({ state: "detached" });
    assert.equal(await probe(port, "127.0.0.1"), "closed", "the listener is gone");
  });

  it("marks a public connection expired at its time and offers to connect again", async () => {
    shortUser = await createTestUser(shortBroker, "e2e@example.com");
    shortUserSecret = shortUser.credentials.secretAccessKey;
    shortAgent = await startTestAgent(shortBroker, shortUser, [
      { name: "quick", application: 1, port: echo.port, host: "127.0.0.1" },
    ]);
    await fromMenu(page, "Sign out");
    await signInAs(
      shortBroker.apiUrl,
      shortUser.credentials.accessKeyId,
      shortUser.credentials.secretAccessKey,
    );
    const row = await connectVia(page, "quick", {
      route: "Public proxy",
      who: "Public (0.0.0.0)",
      name: "quick",
    });
    await stateIs(row, "expired");
    await row.getByRole("button", { name: "Connect again" }).waitFor();
    // The notification says so in the page (headless), with its own way back.
    const notice = page.locator(".notices li", { hasText: "quick" }).first();
    await notice.getByRole("button", { name: "Connect again" }).waitFor();
    await shoot(page, "expired");
    await notice.getByRole("button", { name: "Connect again" }).click();
    await notice.waitFor({ state: "detached" });
    assert.equal(await page.locator(".status .error").count(), 0, "connected again");
  });

  it("offers a service of this computer through the app's own agent", async () => {
    await page.getByLabel("Name", { exact: true }).fill("local-echo");
    await page.getByLabel("Type").selectOption("tcp");
    await page.getByLabel("Port", { exact: true }).fill(String(echo.port));
    await page.getByRole("button", { name: "Add service" }).click();
    await page.locator(".local-service", { hasText: "local-echo" }).waitFor();
    // It shows up as a service of this machine's device, online, and connects.
    const row = await connectVia(page, "local-echo", {
      route: "Public proxy",
      who: "Public (0.0.0.0)",
      name: "local-echo",
    });
    await stateIs(row, "public");
    assert.equal(await probe((await addressOf(row)).port, "127.0.0.2"), "echoed");
    await shoot(page, "this-computer");
  });

  it("lists a thousand services and filters them as the user types", async () => {
    const fleet = [];
    for (let d = 0; d < 4; d++) {
      const services = Array.from({ length: 250 }, (_, i) => ({
        name: `svc-${String(d * 250 + i).padStart(4, "0")}`,
        application: 28,
        port: 10_000 + i,
        host: "127.0.0.1",
      }));
      fleet.push(
        await startTestAgent(shortBroker, shortUserRef(), services, { name: `fleet-${d}` }),
      );
    }
    try {
      await page.getByRole("button", { name: "Refresh" }).click();
      const count = page.locator(".match-count");
      await count.filter({ hasText: /^1,\d{3} services$/ }).waitFor();
      // Virtualised: only the rows on screen are in the page, and they stay accessible.
      assert.ok((await page.locator(".service").count()) < 200, "a window of the list");
      await scan(page, "a thousand services");
      await page.getByLabel("Filter services").fill("svc-0999");
      await count.filter({ hasText: /^1 of 1,\d{3} services$/ }).waitFor();
      await page.waitForFunction(() => document.querySelectorAll(".service").length === 1);
      assert.equal(await page.locator(".service .service-name").textContent(), "svc-0999");
      await page.getByLabel("Filter services").fill("fleet-2");
      await count.filter({ hasText: /^250 of 1,\d{3} services$/ }).waitFor();
      // The end of a long list is reached by scrolling it.
      await page.locator(".virtual-scroll").evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.locator(".service .service-name", { hasText: "svc-0749" }).waitFor();
      await page.getByLabel("Filter services").fill("");
    } finally {
      for (const agentOfFleet of fleet) await agentOfFleet.stop();
    }
  });

  it("never lets the secret reach the page, its storage, or any message to it", async () => {
    const secrets = [user.credentials.secretAccessKey, shortUserSecret];
    const html = await page.content();
    const storage = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    );
    for (const secret of secrets) {
      assert.ok(!html.includes(secret), "secret in the DOM");
      assert.ok(!storage.includes(secret), "secret in web storage");
      const received = socketFrames.filter(
        (f) => f.includes('"type":"state"') || f.includes('"result"'),
      );
      assert.ok(received.length > 0);
      assert.ok(!received.some((f) => f.includes(secret)), "secret in a message to the page");
    }
  });

  it("refuses API use without the token, from a foreign origin, or under a rebinding host", async () => {
    const attempt = (path: string, headers: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const socket = netConnect(app.port, "127.0.0.1", () => {
          socket.write(
            `GET ${path} HTTP/1.1\r\n${Object.entries(headers)
              .map(([k, v]) => `${k}: ${v}\r\n`)
              .join(
                "",
              )}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
          );
        });
        let text = "";
        socket.on("data", (c) => {
          text += c;
          socket.destroy();
          resolve(text.split("\r\n")[0] ?? "");
        });
        socket.on("close", () => resolve(text.split("\r\n")[0] ?? ""));
      });
    const token = new URL(app.link).searchParams.get("token") ?? "";
    const host = `127.0.0.1:${app.port}`;
    assert.match(await attempt("/api", { Host: host, Origin: app.url }), /403/);
    assert.match(await attempt("/api?token=wrong", { Host: host, Origin: app.url }), /403/);
    assert.match(
      await attempt(`/api?token=${token}`, { Host: host, Origin: "http://evil.example" }),
      /403/,
    );
    assert.match(
      await attempt(`/api?token=${token}`, {
        Host: `rebind.example:${app.port}`,
        Origin: `http://rebind.example:${app.port}`,
      }),
      /403/,
    );
    assert.match(await attempt(`/api?token=${token}`, { Host: host, Origin: app.url }), /101/);
    const page404 = await new Promise<string>((resolve) => {
      const socket = netConnect(app.port, "127.0.0.1", () =>
        socket.write(
          `GET / HTTP/1.1\r\nHost: rebind.example:${app.port}\r\nConnection: close\r\n\r\n`,
        ),
      );
      let text = "";
      socket.on("data", (c) => {
        text += c;
      });
      socket.on("close", () => resolve(text.split("\r\n")[0] ?? ""));
    });
    assert.match(page404, /421/, "a DNS-rebound name does not even get the page");
  });
});
