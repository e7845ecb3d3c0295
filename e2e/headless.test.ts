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

const SHOTS = "test-results/screenshots";
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

  async function signIn(apiUrl: string, key: string, secret: string) {
    await page.getByLabel("Broker API URL").fill(apiUrl);
    await page.getByLabel("Access key ID").fill(key);
    await page.getByLabel("Secret access key").fill(secret);
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  it("shows the broker's reasons when sign-in fails", async () => {
    await page.getByRole("heading", { name: "Sign in to your broker" }).waitFor();
    await signIn(
      broker.apiUrl,
      user.credentials.accessKeyId,
      Buffer.alloc(32, 9).toString("base64"),
    );
    await page.getByRole("alert").filter({ hasText: "signature does not match" }).waitFor();
    await signIn("http://127.0.0.1:9/graphql/v1", "AK", "eA==");
    await page
      .getByRole("alert")
      .filter({ hasText: "Cannot reach the broker at http://127.0.0.1:9" })
      .waitFor();
    await page.screenshot({ path: `${SHOTS}/sign-in-error.png` });
  });

  it("signs in and lists the devices' services", async () => {
    await signIn(broker.apiUrl, user.credentials.accessKeyId, user.credentials.secretAccessKey);
    await page.getByRole("heading", { name: "Devices and services" }).waitFor();
    await page.getByText("e2e@example.com").waitFor();
    assert.equal(await page.locator(".service .service-name").count(), 2);
    await page.screenshot({ path: `${SHOTS}/services.png` });
  });

  async function connectVia(
    service: string,
    mode: string | null,
    restrictTo?: string,
  ): Promise<string> {
    const before = await page.locator(".connection.active").count();
    await page.getByRole("button", { name: new RegExp(`^Connect to ${service} on`) }).click();
    if (mode) await page.getByLabel(mode).check();
    if (restrictTo !== undefined) await page.getByLabel("IP address allowed").fill(restrictTo);
    await page.locator(".connect-panel button[type=submit]").click();
    await page.waitForFunction(
      (n) => document.querySelectorAll(".connection.active").length > n,
      before,
    );
    return (await page.locator(".connection.active .address").first().textContent()) ?? "";
  }

  it("connects in each hostIP mode, and the addresses admit the right visitors", async () => {
    const publicAddress = await connectVia("shell", "Public (0.0.0.0)");
    const publicPort = Number(publicAddress.split(":")[1]);
    assert.equal(await probe(publicPort, "127.0.0.2"), "echoed");
    assert.equal(await probe(publicPort, "127.0.0.3"), "echoed");

    await page.getByRole("button", { name: /^Connect to shell on/ }).click();
    await page.getByLabel("Restricted to one IP").check();
    assert.equal(
      await page.getByLabel("IP address allowed").inputValue(),
      "127.0.0.1",
      "prefilled with my IP as the broker sees it",
    );
    await page.getByLabel("IP address allowed").fill("1.2.3");
    await page.getByText("Enter one IPv4 or IPv6 address.").waitFor();
    assert.equal(await page.locator(".connect-panel button[type=submit]").isDisabled(), true);
    await page.getByRole("button", { name: /^Connect to shell on/ }).click();
    const restricted = await connectVia("shell", "Restricted to one IP", "127.0.0.2");
    const restrictedPort = Number(restricted.split(":")[1]);
    assert.equal(await probe(restrictedPort, "127.0.0.3"), "closed");
    assert.equal(await probe(restrictedPort, "127.0.0.2"), "echoed");

    const latching = await connectVia("shell", "Latching (255.255.255.255)");
    const latchingPort = Number(latching.split(":")[1]);
    assert.equal(await probe(latchingPort, "127.0.0.3"), "echoed");
    assert.equal(await probe(latchingPort, "127.0.0.2"), "closed");
  });

  it("gives web services a public link that reaches the service", async () => {
    await page.getByRole("button", { name: /^Connect to web on/ }).click();
    await page.getByText("Public link — reverse proxies are always public.").waitFor();
    await page.getByRole("button", { name: "Create public link" }).click();
    const link = page.locator(".connection.active .address", { hasText: "http://" }).first();
    await link.waitFor();
    const url = new URL((await link.textContent()) ?? "");
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

  it("copies the address to the clipboard and says so; shows the countdown", async () => {
    const item = page.locator(".connection.active").first();
    const address = (await item.locator(".address").textContent()) ?? "";
    await item.getByRole("button", { name: "Copy" }).click();
    await item.getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), address);
    assert.match(
      (await item.locator(".countdown").textContent()) ?? "",
      /^expires in (7h 59m|8h 0m)$/,
    );
    await page.screenshot({ path: `${SHOTS}/connections.png`, fullPage: true });
  });

  it("disconnect makes the address dead", async () => {
    const item = page.locator(".connection.active", { hasText: "127.0.0.1:" }).first();
    const port = Number(((await item.locator(".address").textContent()) ?? "").split(":")[1]);
    const id = await item.getAttribute("data-connection-id");
    await item.getByRole("button", { name: "Disconnect" }).click();
    await page.locator(`[data-connection-id="${id}"].closed`).waitFor();
    assert.equal(await probe(port, "127.0.0.3"), "closed");
  });

  it("adds an on-demand connection that carries bytes peer to peer, and removes it", async () => {
    await page.getByRole("button", { name: /^Connect to shell on/ }).click();
    await page.screenshot({ path: `${SHOTS}/connect-panel.png`, fullPage: true });
    await page.getByRole("button", { name: "On demand (P2P)" }).click();
    const item = page.locator(".on-demand", { hasText: "shell" });
    await item.locator(".on-demand-status", { hasText: "idle" }).waitFor();
    const address = (await item.locator(".address").textContent()) ?? "";
    assert.match(address, /^127\.0\.0\.1:\d+$/);
    const port = Number(address.split(":")[1]);

    const payload = randomPayload(512);
    assert.deepEqual(await echoThrough(port, "127.0.0.1", payload), payload);
    await item.locator(".on-demand-status", { hasText: "connected" }).waitFor();
    assert.equal(await item.locator(".path").textContent(), "P2P");
    await item.locator(".bytes", { hasText: "512 B in · 512 B out" }).waitFor();

    await item.getByRole("button", { name: "Copy" }).click();
    await item.getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(
      await page.evaluate(() => navigator.clipboard.readText()),
      `ssh -l [username] 127.0.0.1 -p ${port}`,
    );
    await page.screenshot({ path: `${SHOTS}/on-demand.png`, fullPage: true });

    await item.getByRole("button", { name: /^Remove on-demand shell/ }).click();
    await item.waitFor({ state: "detached" });
    assert.equal(await probe(port, "127.0.0.1"), "closed", "the listener is gone");
  });

  it("marks a connection expired at its time and offers to connect again", async () => {
    shortUser = await createTestUser(shortBroker, "e2e@example.com");
    shortUserSecret = shortUser.credentials.secretAccessKey;
    shortAgent = await startTestAgent(shortBroker, shortUser, [
      { name: "quick", application: 1, port: echo.port, host: "127.0.0.1" },
    ]);
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(
      shortBroker.apiUrl,
      shortUser.credentials.accessKeyId,
      shortUser.credentials.secretAccessKey,
    );
    await connectVia("quick", "Public (0.0.0.0)");
    await page.locator(".connection.expired").waitFor({ timeout: 10_000 });
    await page.getByText("This connection has expired.").waitFor();
    await page.getByRole("button", { name: "Connect again" }).waitFor();
    await page.screenshot({ path: `${SHOTS}/expired.png` });
  });

  it("offers a service of this computer through the app's own agent", async () => {
    await page.getByLabel("Name", { exact: true }).fill("local-echo");
    await page.getByLabel("Type").selectOption("tcp");
    await page.getByLabel("Port", { exact: true }).fill(String(echo.port));
    await page.getByRole("button", { name: "Add service" }).click();
    await page.locator(".local-service", { hasText: "local-echo" }).waitFor();
    // It shows up as a service of this machine's device, online, and connects.
    const address = await connectVia("local-echo", "Public (0.0.0.0)");
    assert.equal(await probe(Number(address.split(":")[1]), "127.0.0.2"), "echoed");
    await page.screenshot({ path: `${SHOTS}/this-computer.png`, fullPage: true });
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
      await page.waitForFunction(() => document.querySelectorAll(".service").length >= 1000);
      await page.getByLabel("Filter services").fill("svc-0999");
      await page.waitForFunction(() => document.querySelectorAll(".service").length === 1);
      assert.equal(await page.locator(".service .service-name").textContent(), "svc-0999");
      await page.getByLabel("Filter services").fill("fleet-2");
      await page.waitForFunction(() => document.querySelectorAll(".service").length === 250);
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
