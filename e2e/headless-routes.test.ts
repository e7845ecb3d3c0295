// The routes of the connect panel end to end in headless mode: adaptive, peer to peer and
// proxy only carrying bytes, a port shared on the LAN with each kind of restriction (the
// test's clients are 127.0.0.2 and 127.0.0.3), Edit refused while connected and applied
// once off, the core's sentence for a port in use, Launch asking for the username, and the
// visitors of a latching public proxy with who latched. Real broker, agent and services.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { startHeadlessApp } from "../main/headless/start-headless-app.js";
import { launchChromium } from "../test-support/browser.js";
import {
  connectOrFail,
  DISCONNECT,
  startStack,
  type TestStack,
  tempDir,
} from "../test-support/stack.js";
import { connectFrom, echoThrough, probe, randomPayload } from "../test-support/visitors.js";
import {
  addressOf,
  connectVia,
  fill,
  openConnect,
  panel,
  savedRow,
  shoot,
  signIn,
  stateIs,
} from "./desktop-page.js";

const LOOPBACK = "127.0.0.1";

describe("connect panel routes in headless mode (Chromium)", () => {
  let stack: TestStack;
  let app: Awaited<ReturnType<typeof startHeadlessApp>>;
  let browser: Browser;
  let page: Page;

  before(async () => {
    stack = await startStack({
      users: ["routes@example.com"],
      services: [
        { name: "shell", application: 28, target: "echo" },
        { name: "echo", application: 1, target: "echo" },
      ],
      agent: { p2pBindAddress: LOOPBACK },
    });
    app = await startHeadlessApp({
      dataDir: await tempDir("reach-e2e-routes-"),
      port: 0,
      p2pBindAddress: LOOPBACK,
      p2pWaitMs: 15_000,
    });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 480, height: 800 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
    page = await context.newPage();
    await page.goto(app.link);
    const { credentials } = stack.user;
    await signIn(page, stack.broker.apiUrl, credentials.accessKeyId, credentials.secretAccessKey);
    await page.getByRole("heading", { name: "Devices and services" }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await stack?.stop();
  });

  it("opens one panel with the routing choice, Adaptive first for a non-web service", async () => {
    const form = await openConnect(page, "shell");
    const routes = await form.locator(".route-choice label.mode strong").allTextContents();
    assert.deepEqual(routes, ["Adaptive", "Peer to peer only", "Proxy only", "Public proxy"]);
    assert.equal(await form.getByLabel(/^Adaptive/).isChecked(), true);
    assert.equal(await form.getByLabel("Idle timeout (minutes)").inputValue(), "15");
    assert.equal(await form.getByLabel("Local port").getAttribute("placeholder"), "a free one");
    await fill(form, { bind: "LAN: all addresses", security: "Subnet", allowed: "10.0.0.0/33" });
    await form.getByText("Enter a subnet such as 192.168.1.0/24.").waitFor();
    await form.locator("details.templates summary").click();
    await shoot(page, "connect-panel-local");
    await form.getByRole("button", { name: "Cancel" }).click();
    await form.waitFor({ state: "detached" });
  });

  it("carries bytes on each local route and says which path", async () => {
    const payload = randomPayload(2048);
    for (const [route, name, words] of [
      ["Adaptive", "echo-adaptive", /^connected (P2P|via proxy)$/],
      ["Peer to peer only", "echo-p2p", "connected P2P"],
      ["Proxy only", "echo-proxy", "connected via proxy"],
    ] as const) {
      const row = await connectVia(page, "echo", { route, name });
      await stateIs(row, "idle");
      const { port } = await addressOf(row);
      assert.deepEqual(await echoThrough(port, LOOPBACK, payload), payload, name);
      await stateIs(row, words);
      await row.locator(".route", { hasText: route }).waitFor();
    }
    await shoot(page, "routes");
  });

  it("refuses Edit while connected, and applies it once disconnected", async () => {
    const row = savedRow(page, "echo-proxy");
    const edit = row.getByRole("button", { name: "Edit" });
    assert.equal(await edit.isDisabled(), true);
    assert.equal(await edit.getAttribute("title"), "Disconnect first to change its settings.");
    await row.getByRole("button", { name: "Disconnect" }).click();
    await stateIs(row, "off");
    await edit.click();
    const form = panel(page);
    assert.equal(await form.getByLabel(/^Proxy only/).isChecked(), true, "prefilled");
    await fill(form, { idleMinutes: "0", name: "echo-relay" });
    await form.getByRole("button", { name: "Save" }).click();
    const renamed = savedRow(page, "echo-relay");
    await renamed.waitFor();
    await renamed.getByRole("button", { name: "Connect" }).click();
    await stateIs(renamed, "idle");
    const saved = app.core.snapshot().onDemand.find((v) => v.name === "echo-relay");
    assert.equal(saved?.idleTimeout, 0);
  });

  it("shows the core's sentence for a port in use or an address not this computer's, and adds nothing", async () => {
    const before = app.core.snapshot().onDemand.length;
    const form = await openConnect(page, "echo");
    await fill(form, { port: String(stack.echo.port), name: "taken" });
    await form.locator("button[type=submit]").click();
    await form
      .getByRole("alert")
      .filter({ hasText: String(stack.echo.port) })
      .waitFor();
    await shoot(page, "port-in-use");
    await fill(form, { port: "", bind: "Another address", bindAddress: "192.0.2.77" });
    await form.locator("button[type=submit]").click();
    await form.getByRole("alert").filter({ hasText: "192.0.2.77" }).waitFor();
    assert.equal(app.core.snapshot().onDemand.length, before);
    await form.getByRole("button", { name: "Cancel" }).click();
  });

  it("shares a port on the LAN for one address: 127.0.0.2 gets in, 127.0.0.3 is refused", async () => {
    const row = await connectVia(page, "echo", {
      route: "Adaptive",
      name: "echo-lan",
      bind: "LAN: all addresses",
      security: "Single IP",
      allowed: "127.0.0.2",
    });
    const { host, port } = await addressOf(row);
    assert.equal(host, "0.0.0.0");
    assert.equal(await probe(port, "127.0.0.3"), "closed");
    assert.equal(await probe(port, "127.0.0.2"), "echoed");
    await row.locator(".restriction", { hasText: "LAN: only 127.0.0.2" }).waitFor();
    await row.locator(".refused", { hasText: "1 refused" }).waitFor();
    await shoot(page, "lan-share");
  });

  it("latches a LAN share on its first client and shows who latched", async () => {
    const row = await connectVia(page, "echo", {
      route: "Adaptive",
      name: "echo-latch",
      bind: "LAN: all addresses",
      security: "IP latching",
    });
    const { port } = await addressOf(row);
    await row.locator(".restriction", { hasText: "latching, not yet latched" }).waitFor();
    assert.equal(await probe(port, "127.0.0.3"), "echoed");
    assert.equal(await probe(port, "127.0.0.2"), "closed");
    await row.locator(".restriction", { hasText: "LAN: latched by 127.0.0.3" }).waitFor();
  });

  it("asks for the username once when Launch needs it", async () => {
    const row = await connectVia(page, "shell", { route: "Adaptive", name: "shell-launch" });
    const { port } = await addressOf(row);
    await row.getByRole("button", { name: "Launch", exact: true }).click();
    const prompt = row.locator("form.token-prompt");
    await prompt.getByLabel("Username for this connection").fill("bob");
    await prompt.getByRole("button", { name: "Launch", exact: true }).click();
    await prompt.waitFor({ state: "detached" });
    await row.locator(".used", { hasText: `bob@127.0.0.1:${port}` }).waitFor();
    const saved = app.core.snapshot().onDemand.find((v) => v.name === "shell-launch");
    assert.equal(saved?.username, "bob", "remembered for this connection");
  });

  it("shows a latching public proxy's visitors, and who latched", async () => {
    const row = await connectVia(page, "echo", {
      route: "Public proxy",
      who: "Latching (255.255.255.255)",
      name: "echo-public-latch",
    });
    await stateIs(row, "public");
    const { port } = await addressOf(row);
    const visitor = await connectFrom(port, "127.0.0.3");
    try {
      visitor.write("hello");
      await new Promise((resolve) => visitor.once("data", resolve));
      assert.equal(await probe(port, "127.0.0.2"), "closed");
      const latched = row.locator(".visitors tr", { hasText: "127.0.0.3" });
      await latched.locator(".latched-mark", { hasText: "latched" }).waitFor();
      await shoot(page, "visitors");
    } finally {
      visitor.destroy();
    }
  });

  it("lists a proxy opened elsewhere (as the CLI does), and its end, without a reload", async () => {
    const opened = await connectOrFail(stack.user, stack.agent.serviceId("echo"), "0.0.0.0");
    const row = page.locator(`.connection.broker[data-connection-id="${opened.id}"]`);
    await row.locator(".origin", { hasText: "opened outside this window" }).waitFor();
    assert.equal(await probe(Number(opened.port), "127.0.0.2"), "echoed");
    await shoot(page, "opened-elsewhere");
    await stack.user.api(DISCONNECT, { connectionId: opened.id });
    // Ended, it is the past of a service with saved connections: it leaves the list.
    await row.waitFor({ state: "detached" });
  });
});
