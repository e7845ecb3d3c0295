// Headless mode reachable from the LAN: off by default (127.0.0.1 only, so this machine's
// LAN address refuses the connection); with settings.headlessLan the server listens on
// 0.0.0.0, serves the page to a LAN address's Host, and still refuses the API without its
// token. The LAN address is this machine's own non-loopback one (as another machine would
// reach it); where there is none, 127.0.0.1 on the 0.0.0.0 listener stands in for it.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { WebSocket } from "ws";
import { RecordingHost } from "../../test-support/recording-host.js";
import { tempDir } from "../../test-support/stack.js";
import { DesktopCore } from "../core/desktop-core.js";
import { SETTINGS_FILE } from "../core/settings-store.js";
import { FileVault } from "../core/vault/file-vault.js";
import { HEADLESS_API_PATH, startHeadless } from "../headless/headless-server.js";
import { startHeadlessApp } from "../headless/start-headless-app.js";

const lanAddress =
  Object.values(networkInterfaces())
    .flat()
    .find((info) => info && !info.internal && info.family === "IPv4")?.address ?? null;

async function rendererDir(): Promise<string> {
  const dir = join(await tempDir("reach-headless-lan-"), "renderer");
  await mkdir(dir);
  await writeFile(join(dir, "index.html"), "<!doctype html><title>reach lan page</title>\n");
  return dir;
}

/** The status line of GET / sent to address:port with Host: address:port. */
function statusOf(address: string, port: number, host = `${address}:${port}`): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    let text = "";
    socket.on("connect", () =>
      socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
    );
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(text.slice(0, text.indexOf("\r\n"))));
  });
}

/** Opens the API WebSocket as the page on `address` would; resolves with getState's answer or the refusal. */
function callApi(address: string, port: number, token: string | null): Promise<string> {
  const query = token === null ? "" : `?token=${encodeURIComponent(token)}`;
  const origin = `http://${address}:${port}`;
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${address}:${port}${HEADLESS_API_PATH}${query}`, { origin });
    ws.on("unexpected-response", (_request, response) => {
      resolve(`refused ${response.statusCode}`);
      ws.terminate();
    });
    ws.on("error", (error) => resolve(`error ${error.message}`));
    ws.on("open", () => ws.send(JSON.stringify({ id: 1, method: "getState", input: {} })));
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: { ok: boolean } };
      if (message.id !== 1) return;
      resolve(`answered ok=${message.result?.ok}`);
      ws.close();
    });
  });
}

function newCore(dataDir: string): DesktopCore {
  return new DesktopCore({
    vault: new FileVault(join(dataDir, "vault.json")),
    host: new RecordingHost(),
  });
}

describe("headless mode on the LAN", () => {
  it("listens on 127.0.0.1 only by default", async () => {
    const server = await startHeadless({
      core: newCore(await tempDir("reach-headless-lan-")),
      rendererDir: await rendererDir(),
      port: 0,
      token: "lan-test-token",
    });
    try {
      assert.equal(server.listenHost, "127.0.0.1");
      assert.deepEqual(server.lanLinks, []);
      if (lanAddress) {
        await assert.rejects(statusOf(lanAddress, server.port), /ECONNREFUSED/);
      }
    } finally {
      await server.close();
    }
  });

  it("with lan listens on 0.0.0.0, serves a LAN Host, and still requires the token", async () => {
    const server = await startHeadless({
      core: newCore(await tempDir("reach-headless-lan-")),
      rendererDir: await rendererDir(),
      port: 0,
      token: "lan-test-token",
      lan: true,
    });
    try {
      assert.equal(server.listenHost, "0.0.0.0");
      const address = lanAddress ?? "127.0.0.1";
      if (lanAddress) {
        assert.deepEqual(server.lanLinks, [
          `http://${lanAddress}:${server.port}/?token=lan-test-token`,
        ]);
      }
      assert.equal(await statusOf(address, server.port), "HTTP/1.1 200 OK");
      assert.equal(
        await statusOf(address, server.port, `reach.example:${server.port}`),
        "HTTP/1.1 421 Misdirected Request",
        "a name is still refused: DNS rebinding",
      );
      assert.equal(await callApi(address, server.port, null), "refused 403");
      assert.equal(await callApi(address, server.port, "lan-test-tokeN"), "refused 403");
      assert.equal(await callApi(address, server.port, "lan-test-token"), "answered ok=true");
    } finally {
      await server.close();
    }
  });

  it("startHeadlessApp takes headlessLan from the settings file, and says a change waits for a restart", async () => {
    const dataDir = await tempDir("reach-headless-lan-");
    await writeFile(join(dataDir, SETTINGS_FILE), JSON.stringify({ headlessLan: true }));
    const app = await startHeadlessApp({
      dataDir,
      port: 0,
      token: "lan-app-token",
      rendererDir: await rendererDir(),
    });
    try {
      assert.equal(app.listenHost, "0.0.0.0");
      assert.equal(await callApi(lanAddress ?? "127.0.0.1", app.port, null), "refused 403");
      assert.equal(app.core.snapshot().settingsNote, null);
      const off = await app.core.setSettings({ headlessLan: false });
      assert.ok(off.ok, JSON.stringify(off));
      assert.match(off.value.settingsNote ?? "", /back to 127\.0\.0\.1 only at its next start/);
      assert.equal(app.listenHost, "0.0.0.0", "not before the next start");
    } finally {
      await app.close();
    }
    const again = await startHeadlessApp({
      dataDir,
      port: 0,
      token: "lan-app-token",
      rendererDir: await rendererDir(),
    });
    try {
      assert.equal(again.listenHost, "127.0.0.1");
    } finally {
      await again.close();
    }
  });
});
