// The README's start command on a machine without a display: a local broker, the app
// signed in to it with the "local" profile, served headless with a one-line reason.
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, describe, it } from "node:test";
import { WebSocket } from "ws";
import { startReachChild, type WatchedChild } from "../../test-support/processes.js";
import { freePort, tempDir } from "../../test-support/stack.js";

describe("reach desktop --local (the start command)", () => {
  let app: WatchedChild | undefined;
  after(() => app?.stop());

  it("starts a local broker and the app signed in to it, headless with the reason why", async () => {
    const home = await tempDir("reach-home-");
    const brokerPort = await freePort();
    app = startReachChild(
      ["desktop", "--local", "--port", "0", "--broker-port", String(brokerPort)],
      // Two minutes: without dist/renderer the app builds the renderer first.
      { env: { HOME: home, DISPLAY: "", WAYLAND_DISPLAY: "" }, waitMs: 120_000 },
    );
    const [, link = ""] = await app.waitForLine(/Open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
    const output = app.lines.join("\n");
    assert.match(
      output,
      new RegExp(
        `Local broker on http://127\\.0\\.0\\.1:${brokerPort}/graphql/v1 \\(profile "local"\\)`,
      ),
    );
    assert.match(
      output,
      /^No desktop window: there is no display .*Serving the app headless instead\.$/m,
    );
    const url = new URL(link);
    const page = await fetch(`${url.origin}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    const ws = new WebSocket(`ws://${url.host}/api${url.search}`, { origin: url.origin });
    await once(ws, "open");
    const reply = new Promise<{
      result: { ok: boolean; value: { session: { signedIn: boolean; email?: string } } };
    }>((resolve) =>
      ws.on("message", (data) => {
        const message = JSON.parse(String(data));
        if (message.id === 1) resolve(message);
      }),
    );
    ws.send(JSON.stringify({ id: 1, method: "getState", input: {} }));
    const state = (await reply).result;
    ws.close();
    assert.equal(state.ok, true);
    assert.deepEqual(
      [state.value.session.signedIn, state.value.session.email],
      [true, "me@localhost"],
    );
  });
});
