// The broker's version refusals: silent for a version it speaks; otherwise both versions,
// the side to upgrade, and short enough to travel as a WebSocket close reason.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { versionRefusal } from "../tunnel/version.js";

describe("tunnel protocol versions", () => {
  it("names the side to upgrade", () => {
    assert.equal(versionRefusal(2, [1, 2]), null);
    assert.equal(
      versionRefusal(3, [1, 2]),
      "The agent speaks tunnel protocol 3, the broker 1 or 2: upgrade the broker.",
    );
    assert.equal(
      versionRefusal(1, [2]),
      "The agent speaks tunnel protocol 1, the broker 2: upgrade the agent.",
    );
  });

  it("fits a WebSocket close reason (123 bytes) for any version an agent may claim", () => {
    const refusal = versionRefusal(Number.MAX_VALUE, [1, 2, 3]) ?? "";
    assert.ok(Buffer.byteLength(refusal) <= 123, refusal);
  });
});
