// Settings and accounts end to end in headless mode: the Settings view saves to the file a
// new connection's panel then starts from, a damaged file shows its message with the
// defaults (and saving repairs it), and the header's switcher signs in to another profile
// of the credentials file without a restart. Real broker and agent.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { writeProfile } from "../common/credentials-file.js";
import { SETTINGS_FILE } from "../main/core/settings-store.js";
import { startHeadlessApp } from "../main/headless/start-headless-app.js";
import { launchChromium } from "../test-support/browser.js";
import { startStack, type TestStack, tempDir } from "../test-support/stack.js";
import { fromMenu, openConnect, openMenu, shoot } from "./desktop-page.js";

describe("settings and accounts in headless mode (Chromium)", () => {
  let stack: TestStack;
  let app: Awaited<ReturnType<typeof startHeadlessApp>>;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let credentialsPath: string;

  const startApp = () =>
    startHeadlessApp({ dataDir, credentialsPath, port: 0, p2pBindAddress: "127.0.0.1" });

  before(async () => {
    stack = await startStack({
      users: ["work@example.com", "home@example.com"],
      services: [{ name: "echo", application: 1, target: "echo" }],
    });
    dataDir = await tempDir("reach-e2e-settings-");
    credentialsPath = join(await tempDir("reach-e2e-credentials-"), "credentials");
    for (const [profile, user] of [
      ["work", stack.users[0]],
      ["home", stack.users[1]],
    ] as const) {
      assert.ok(user);
      await writeProfile(
        profile,
        { ...user.credentials, apiUrl: stack.broker.apiUrl },
        credentialsPath,
      );
    }
    app = await startApp();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 480, height: 800 } });
    await page.goto(app.link);
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await stack?.stop();
  });

  it("signs in with a profile and switches to another from the header", async () => {
    await page.getByRole("button", { name: "Import “work”" }).click();
    await page.getByText("work@example.com").waitFor();
    await openMenu(page);
    const switcher = page.getByLabel("Account");
    assert.deepEqual(await switcher.locator("option").allTextContents(), ["work (active)", "home"]);
    await switcher.selectOption("home");
    await page.getByText("home@example.com").waitFor();
    await page
      .locator("select[aria-label=Account] option", { hasText: "home (active)" })
      .waitFor({ state: "attached" });
    assert.equal(await switcher.inputValue(), "home");
    await shoot(page, "account-switched");
    await switcher.selectOption("work");
    await page.getByText("work@example.com").waitFor();
  });

  it("saves settings, and a new connection's panel starts from them", async () => {
    await fromMenu(page, "Settings");
    const settings = page.locator("section.settings");
    await settings.getByLabel("Default routing").selectOption({ label: "Proxy only" });
    await settings.getByLabel("Default idle timeout (minutes)").fill("5");
    await settings.getByLabel("A connection expired or failed").uncheck();
    await settings.getByLabel("Headless mode may be reached from the LAN").check();
    await settings.getByText("Takes effect at next start").waitFor();
    await settings.getByRole("button", { name: "Save settings" }).click();
    await settings.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await shoot(page, "settings");
    assert.deepEqual(app.core.snapshot().settings.notifications.ended, false);
    await settings.getByRole("button", { name: "Back" }).click();

    const form = await openConnect(page, "echo");
    assert.equal(await form.getByLabel(/^Proxy only/).isChecked(), true);
    assert.equal(await form.getByLabel("Idle timeout (minutes)").inputValue(), "5");
    await form.getByRole("button", { name: "Cancel" }).click();

    await page.reload();
    await fromMenu(page, "Settings");
    assert.equal(
      await page.getByLabel("Default idle timeout (minutes)").inputValue(),
      "5",
      "kept by the core, not the page",
    );
    await page.getByRole("button", { name: "Back" }).click();
  });

  it("says a damaged settings file was not used, shows the defaults, and saving repairs it", async () => {
    await app.close();
    await writeFile(join(dataDir, SETTINGS_FILE), '{"openAtLogin": "yes please",');
    app = await startApp();
    await page.goto(app.link);
    const note = page.locator(".settings-note");
    await note.waitFor();
    assert.match((await note.textContent()) ?? "", new RegExp(SETTINGS_FILE.replace(".", "\\.")));
    await note.getByRole("button", { name: "Open settings" }).click();
    const settings = page.locator("section.settings");
    await settings.getByRole("alert").waitFor();
    assert.equal(await settings.getByLabel("Default idle timeout (minutes)").inputValue(), "15");
    await shoot(page, "settings-damaged");
    await settings.getByRole("button", { name: "Save settings" }).click();
    await settings.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    assert.equal(await settings.getByRole("alert").count(), 0, "the message goes once saved");
    assert.equal(app.core.snapshot().settingsProblem, null);
  });
});
