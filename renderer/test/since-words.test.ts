import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { sinceWords } from "../src/lib/since-words.js";

describe("sinceWords", () => {
  it("says how long ago, and 'just now' for under a second or a clock behind", () => {
    const now = Date.parse("2026-11-24T12:00:00Z");
    assert.equal(sinceWords(now - 12 * 60_000, now), "12m ago");
    assert.equal(sinceWords(now - 45_000, now), "45s ago");
    assert.equal(sinceWords(now - 300, now), "just now");
    assert.equal(sinceWords(now + 2000, now), "just now");
  });
});
