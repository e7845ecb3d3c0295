// The desktop page's accessibility end to end: a real broker, agent and headless app in
// Debian's Chromium. Every view is scanned by axe in the light and the dark theme (no
// serious or critical violation), a keyboard-only user connects, copies and disconnects,
// and the README's pictures (the ~380 px tray panel and the wide window, both themes) are
// taken: into docs/screenshots/ with REACH_README_SHOTS=1 (to refresh the committed ones),
// else into test-results/screenshots/ so a test run leaves the tree clean.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { startHeadlessApp } from "../main/headless/start-headless-app.js";
import { launchChromium } from "../test-support/browser.js";
import { killHard } from "../test-support/processes.js";
import { createUserKeys, startBrokerProcess } from "../test-support/reach-processes.js";
import {
  createTestUser,
  freePort,
  startStack,
  type TestStack,
  tempDir,
} from "../test-support/stack.js";
import { echoThrough, randomPayload } from "../test-support/visitors.js";
import {
  fromMenu,
  openConnect,
  openMenu,
  savedRow,
  scan,
  shoot,
  signIn,
  stateIs,
  THEMES,
} from "./desktop-page.js";

const README_SHOTS =
  process.env.REACH_README_SHOTS === "1" ? "docs/screenshots" : "test-results/screenshots";
const PANEL = { width: 380, height: 640 };
const WINDOW = { width: 1000, height: 720 };

/** Presses Tab (only Tab) until `target` has the focus; fails after `limit` presses. */
async function tabTo(page: Page, target: Locator, limit = 60): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  assert.fail(`Tab never reached ${target}`);
}

describe("desktop page accessibility, keyboard and screenshots (headless Chromium)", () => {
  let stack: TestStack;
  let app: Awaited<ReturnType<typeof startHeadlessApp>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    await mkdir(README_SHOTS, { recursive: true });
    stack = await startStack({
      users: ["ada@example.com"],
      services: [
        { name: "echo", application: 1, target: "echo" },
        { name: "shell", application: 28, target: "echo" },
        { name: "web", application: 7, target: "web" },
      ],
      agent: { p2pBindAddress: "127.0.0.1", name: "build-server" },
    });
    app = await startHeadlessApp({
      dataDir: await tempDir("reach-e2e-a11y-"),
      port: 0,
      p2pBindAddress: "127.0.0.1",
      p2pWaitMs: 15_000,
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: PANEL });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
    page = await context.newPage();
    await page.goto(app.link);
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await stack?.stop();
  });

  it("the sign-in view and its menu pass the scan in both themes", async () => {
    await page.getByRole("heading", { name: "Sign in to your broker" }).waitFor();
    await scan(page, "sign-in");
    await openMenu(page);
    await scan(page, "sign-in with the menu open");
    await page.keyboard.press("Escape");
    assert.equal(
      await page.getByRole("button", { name: "Menu" }).getAttribute("aria-expanded"),
      "false",
      "Escape closes the menu",
    );
  });

  it("an account without devices says which command to run, and passes the scan", async () => {
    const lonely = await createTestUser(stack.broker, "new@example.com");
    await signIn(
      page,
      stack.broker.apiUrl,
      lonely.credentials.accessKeyId,
      lonely.credentials.secretAccessKey,
    );
    const command = page.locator(".no-devices .command");
    await command.waitFor();
    assert.equal(
      await command.textContent(),
      `reach agent --api ${stack.broker.apiUrl} --key ${lonely.credentials.accessKeyId} --secret YOUR_SECRET --service ssh=ssh:22`,
    );
    await scan(page, "no devices");
    await fromMenu(page, "Sign out");
  });

  it("the device list, connect panel and settings pass the scan in both themes", async () => {
    await page.getByRole("heading", { name: "Sign in to your broker" }).waitFor();
    await signIn(
      page,
      stack.broker.apiUrl,
      stack.user.credentials.accessKeyId,
      stack.user.credentials.secretAccessKey,
    );
    await page.getByRole("heading", { name: "Devices and services" }).waitFor();
    await page.locator(".service .service-name", { hasText: "web" }).waitFor();
    await scan(page, "device list");

    const form = await openConnect(page, "web");
    await scan(page, "connect panel");
    await form.getByRole("button", { name: "Cancel" }).click();

    await fromMenu(page, "Settings");
    await page.locator("section.settings").waitFor();
    await scan(page, "settings");
    await page.getByRole("button", { name: "Back" }).click();
  });

  it("a keyboard-only user connects a service, copies its address and disconnects", async () => {
    await page.getByRole("heading", { name: "Devices and services" }).waitFor();
    await page.locator("body").focus();
    await tabTo(page, page.getByRole("button", { name: /^Connect to echo on/ }));
    await page.keyboard.press("Enter");
    const form = page.locator("form.connect-panel");
    await form.waitFor();
    await tabTo(page, form.getByLabel("Connection name"));
    await page.keyboard.type("echo-keys");
    await tabTo(page, form.locator("button[type=submit]"));
    await page.keyboard.press("Enter");
    await form.waitFor({ state: "detached" });

    const row = savedRow(page, "echo-keys");
    await stateIs(row, "idle");
    await scan(page, "main list with a connection");
    const address = (await row.locator(".address").textContent()) ?? "";
    await tabTo(page, row.getByRole("button", { name: "Copy" }));
    await shoot(page, "keyboard-focus-on-copy");
    await page.keyboard.press("Enter");
    await row.getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), address);

    await tabTo(page, row.getByRole("button", { name: "Disconnect" }));
    await page.keyboard.press("Space");
    await stateIs(row, "off");
    // Back on for the pictures: Connect, by keyboard too.
    await row.getByRole("button", { name: "Connect" }).focus();
    await page.keyboard.press("Space");
    await stateIs(row, "idle");
  });

  it("takes the README's pictures: the panel and the window, light and dark", async () => {
    const row = savedRow(page, "echo-keys");
    const at = (await row.locator(".address").textContent()) ?? "";
    const port = Number(at.slice(at.lastIndexOf(":") + 1));
    const payload = randomPayload(2048);
    assert.deepEqual(await echoThrough(port, "127.0.0.1", payload), payload);
    await stateIs(row, /^connected (P2P|via proxy)$/);
    // "Copied" turns back into "Copy" after a moment: the pictures show the resting row.
    await row.getByRole("button", { name: "Copy", exact: true }).waitFor();
    await page.locator("body").focus();
    for (const [name, size] of [
      ["panel", PANEL],
      ["window", WINDOW],
    ] as const) {
      await page.setViewportSize(size);
      for (const theme of THEMES) {
        await page.emulateMedia({ colorScheme: theme });
        await page.screenshot({ path: `${README_SHOTS}/${name}-${theme}.png`, fullPage: true });
      }
    }
    await scan(page, "window width");
  });

  it("a broker gone away is named, with its retry, and the view still passes the scan", async () => {
    await fromMenu(page, "Sign out");
    // A broker process of its own, killed while signed in: the feed drops, polling says so.
    const dataDir = await tempDir("reach-a11y-broker-");
    const broker = await startBrokerProcess({ port: await freePort(), dataDir });
    const keys = createUserKeys(dataDir, "gone@example.com");
    try {
      await signIn(page, broker.apiUrl, keys.accessKeyId, keys.secretAccessKey);
      await page.locator(".no-devices").waitFor();
      await killHard(broker.child);
      const note = page.locator(".live-note");
      await note
        .filter({ hasText: `Broker ${broker.apiUrl}: Live updates lost` })
        .filter({ hasText: "re-syncing every 5 s." })
        .filter({ hasText: /retrying (in \d+ s|now)/ })
        .waitFor();
      await shoot(page, "broker-unreachable");
      await scan(page, "broker unreachable");
    } finally {
      await killHard(broker.child);
    }
  });
});
