// The Electron shell end to end: window and tray against a real local broker. Runs
// wherever an Electron binary and a display exist; elsewhere it is skipped, saying why.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, describe, it } from "node:test";
import { type ElectronApplication, _electron as electron } from "playwright-core";
import { desktopApiInputs } from "../common/desktop-api.js";
import { ensureRendererBuilt } from "../main/headless/renderer-build.js";
import { buildElectronBundles } from "../main/launcher/electron-build.js";
import { electronUnavailableReason } from "../main/launcher/electron-launcher.js";
import { createTestUser, startTestBroker, tempDir } from "../test-support/stack.js";

const reason = await electronUnavailableReason();

describe("Electron shell", () => {
  let app: ElectronApplication | undefined;
  after(async () => {
    await app?.close();
  });

  it("opens a sandboxed window that signs in and shows services", {
    skip: reason ?? false,
  }, async () => {
    const broker = await startTestBroker();
    const user = await createTestUser(broker, "electron@example.com");
    await ensureRendererBuilt();
    const { main } = await buildElectronBundles();
    const require = createRequire(import.meta.url);
    app = await electron.launch({
      executablePath: require("electron") as string,
      args: [main],
      env: { ...process.env, REACH_DATA_DIR: await tempDir("reach-electron-") },
    });
    const window = await app.firstWindow();
    // Isolated and without Node: the page sees the preload's DesktopApi and nothing else.
    const exposed = await window.evaluate(() => ({
      node: typeof (globalThis as { require?: unknown; process?: unknown }).require,
      methods: Object.keys((globalThis as { reach?: object }).reach ?? {}).sort(),
    }));
    assert.equal(exposed.node, "undefined");
    assert.deepEqual(exposed.methods, [...Object.keys(desktopApiInputs), "onEvent"].sort());
    await window.getByLabel("Broker API URL").fill(broker.apiUrl);
    await window.getByLabel("Access key ID").fill(user.credentials.accessKeyId);
    await window.getByLabel("Secret access key").fill(user.credentials.secretAccessKey);
    await window.getByRole("button", { name: "Sign in" }).click();
    await window.getByText("electron@example.com").waitFor();
    assert.equal(
      await window.evaluate(() => typeof (window as unknown as { require?: unknown }).require),
      "undefined",
    );
    await broker.close();
  });
});
