import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { canConnect, isOpen, ROUTE_NAMES, stateWords } from "../../common/on-demand-words.js";
import { savedView } from "./fixtures.js";

describe("on-demand words", () => {
  it("names each state as the window and the tray show it", () => {
    const cases: [Partial<Parameters<typeof savedView>[0]>, string][] = [
      [{ status: "idle" }, "idle"],
      [{ status: "connecting" }, "connecting"],
      [{ status: "connected", path: "p2p" }, "connected P2P"],
      [{ status: "connected", path: "relay" }, "connected via proxy"],
      [{ status: "public" }, "public"],
      [{ status: "expired" }, "expired"],
      [{ status: "failed", reason: "Port 22 is in use." }, "failed: Port 22 is in use."],
      [{ status: "failed", reason: null }, "failed"],
      [{ status: "off" }, "off"],
    ];
    for (const [overrides, words] of cases) assert.equal(stateWords(savedView(overrides)), words);
  });

  it("offers Connect when off, ended or a public one not yet up; Disconnect otherwise", () => {
    assert.equal(canConnect(savedView({ status: "off" })), true);
    assert.equal(canConnect(savedView({ status: "expired", route: "public" })), true);
    assert.equal(canConnect(savedView({ status: "failed" })), true);
    assert.equal(canConnect(savedView({ status: "idle", route: "public" })), true);
    assert.equal(canConnect(savedView({ status: "idle", route: "adaptive" })), false);
    assert.equal(canConnect(savedView({ status: "public", route: "public" })), false);
  });

  it("counts a path or proxy being open, not a listener waiting", () => {
    assert.equal(isOpen(savedView({ status: "connected" })), true);
    assert.equal(isOpen(savedView({ status: "public" })), true);
    assert.equal(isOpen(savedView({ status: "idle" })), false);
    assert.equal(ROUTE_NAMES.public, "Public proxy");
  });
});
