import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { formatBytes, openableUrl, pathLabel } from "../src/lib/on-demand-labels.js";

describe("on-demand labels", () => {
  it("names the path in use, the one last used, or that none is open", () => {
    assert.equal(pathLabel({ path: "p2p", status: "connected" }), "P2P");
    assert.equal(pathLabel({ path: "relay", status: "connected" }), "Proxy");
    assert.equal(pathLabel({ path: "p2p", status: "idle" }), "last: P2P");
    assert.equal(pathLabel({ path: "relay", status: "failed" }), "last: Proxy");
    assert.equal(pathLabel({ path: null, status: "connecting" }), "opening a path");
    assert.equal(pathLabel({ path: null, status: "idle" }), "no path open");
  });

  it("offers a URL only for types the host may open", () => {
    assert.equal(openableUrl({ application: 28, port: 33012 }), "ssh://127.0.0.1:33012");
    assert.equal(openableUrl({ application: 7, port: 33013 }), "http://127.0.0.1:33013");
    assert.equal(openableUrl({ application: 1, port: 33014 }), null, "plain TCP has no scheme");
    assert.equal(openableUrl({ application: 999_999, port: 33015 }), null, "an unknown type");
  });

  it("writes bytes in binary units with one decimal", () => {
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(1023), "1023 B");
    assert.equal(formatBytes(1024), "1.0 KiB");
    assert.equal(formatBytes(1536), "1.5 KiB");
    assert.equal(formatBytes(5 * 1024 ** 2), "5.0 MiB");
    assert.equal(formatBytes(3 * 1024 ** 3), "3.0 GiB");
    assert.equal(formatBytes(2048 * 1024 ** 4), "2048.0 TiB", "TiB is the largest unit");
  });
});
