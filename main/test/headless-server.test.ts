// The headless server's plain HTTP checks, on raw sockets with exactly the Host and Origin a
// hostile page or a DNS-rebound name would send: the page is only for the app's own origin
// (or requests without one) on a loopback Host.
import assert from "node:assert/strict";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { RecordingHost } from "../../test-support/recording-host.js";
import { tempDir } from "../../test-support/stack.js";
import { DesktopCore } from "../core/desktop-core.js";
import { FileVault } from "../core/vault/file-vault.js";
import { type RunningHeadless, startHeadless } from "../headless/headless-server.js";

const PAGE = "<!doctype html><html><title>reach test page</title></html>\n";

interface RawReply {
  statusLine: string;
  body: string;
}

/** GET `path` on 127.0.0.1:port with these headers verbatim, read until the server closes. */
function rawGet(port: number, path: string, headers: Record<string, string>): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.on("connect", () =>
      socket.write(`GET ${path} HTTP/1.1\r\n${lines.join("")}Connection: close\r\n\r\n`),
    );
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer in time: ${JSON.stringify(text)}`));
    }, 1500);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
    });
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(timer);
      const split = text.indexOf("\r\n\r\n");
      resolve({
        statusLine: text.slice(0, text.indexOf("\r\n")),
        body: split === -1 ? "" : text.slice(split + 4),
      });
    });
  });
}

describe("headless server over plain HTTP", () => {
  let dir: string;
  let server: RunningHeadless;
  let self: string;
  let ownOrigin: string;

  before(async () => {
    dir = await tempDir("reach-headless-");
    const rendererDir = join(dir, "renderer");
    await mkdir(rendererDir);
    await writeFile(join(rendererDir, "index.html"), PAGE);
    const core = new DesktopCore({
      vault: new FileVault(join(dir, "credentials.json")),
      host: new RecordingHost(),
    });
    server = await startHeadless({ core, rendererDir, port: 0, token: "test-token" });
    self = `127.0.0.1:${server.port}`;
    ownOrigin = `http://${self}`;
  });

  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("serves the page to the app's own Origin, and to requests without one", async () => {
    const own = await rawGet(server.port, "/", { Host: self, Origin: ownOrigin });
    assert.equal(own.statusLine, "HTTP/1.1 200 OK");
    assert.match(own.body, /reach test page/);
    const none = await rawGet(server.port, "/", { Host: self });
    assert.equal(none.statusLine, "HTTP/1.1 200 OK");
    const viaLocalhost = await rawGet(server.port, "/", {
      Host: `localhost:${server.port}`,
      Origin: `http://localhost:${server.port}`,
    });
    assert.equal(viaLocalhost.statusLine, "HTTP/1.1 200 OK");
  });

  it("refuses a foreign Origin with 403 and no page", async () => {
    const reply = await rawGet(server.port, "/", { Host: self, Origin: "http://evil.example" });
    assert.equal(reply.statusLine, "HTTP/1.1 403 Forbidden");
    assert.doesNotMatch(reply.body, /reach test page/);
  });

  it("refuses Origin: null (sandboxed frames, file: pages) with 403", async () => {
    const reply = await rawGet(server.port, "/index.html", { Host: self, Origin: "null" });
    assert.equal(reply.statusLine, "HTTP/1.1 403 Forbidden");
    assert.doesNotMatch(reply.body, /reach test page/);
  });

  it("refuses a loopback Origin on another port with 403", async () => {
    const reply = await rawGet(server.port, "/", {
      Host: self,
      Origin: `http://127.0.0.1:${server.port + 1}`,
    });
    assert.equal(reply.statusLine, "HTTP/1.1 403 Forbidden");
  });

  it("answers a DNS-rebinding Host with 421, even with its matching Origin", async () => {
    const rebound = `rebind.example:${server.port}`;
    const bare = await rawGet(server.port, "/", { Host: rebound });
    assert.equal(bare.statusLine, "HTTP/1.1 421 Misdirected Request");
    assert.doesNotMatch(bare.body, /reach test page/);
    const withOrigin = await rawGet(server.port, "/", {
      Host: rebound,
      Origin: `http://${rebound}`,
    });
    assert.equal(withOrigin.statusLine, "HTTP/1.1 421 Misdirected Request");
  });
});
