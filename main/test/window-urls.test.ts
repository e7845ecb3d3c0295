// The two URL tests the Electron shell's security rests on: which page may call the IPC
// API (and stay loaded), and what may be handed to the system's URL opener.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { externalUrl } from "../../common/desktop-api.js";
import { APP_URL, isAppUrl } from "../electron/app-url.js";

describe("isAppUrl", () => {
  it("accepts the app's own page and its assets", () => {
    // Node gives reach-app:// an opaque origin ("null"): the check must not rely on origin.
    assert.equal(new URL(APP_URL).origin, "null");
    assert.ok(isAppUrl(APP_URL));
    assert.ok(isAppUrl("reach-app://renderer/assets/index.js"));
    assert.ok(isAppUrl("reach-app://renderer/index.html#top"));
  });

  it("refuses every other page", () => {
    for (const url of [
      undefined,
      "",
      "not a url",
      "reach-app://other/index.html",
      "reach-app://renderer.evil/index.html",
      "reach-app://user@renderer/index.html",
      "reach-app:renderer/index.html",
      "https://renderer/index.html",
      "file:///index.html",
      "http://127.0.0.1:29999/",
      "null",
    ]) {
      assert.equal(isAppUrl(url), false, String(url));
    }
  });
});

describe("externalUrl", () => {
  it("passes the allowed schemes, re-serialised", () => {
    assert.equal(externalUrl("https://example.com/a b"), "https://example.com/a%20b");
    assert.equal(externalUrl("HTTP://Example.com"), "http://example.com/");
    assert.equal(externalUrl("ssh://user@127.0.0.1:22"), "ssh://user@127.0.0.1:22");
    assert.equal(externalUrl("rdp://10.0.0.1"), "rdp://10.0.0.1");
  });

  it("refuses other schemes and non-URLs", () => {
    for (const url of [
      "file:///etc/passwd",
      "javascript:alert(1)",
      "data:text/html,<script>",
      "reach-app://renderer/index.html",
      "ms-msdt:/id",
      "smb",
      "",
      "//example.com",
    ]) {
      assert.equal(externalUrl(url), null, url);
    }
  });
});
