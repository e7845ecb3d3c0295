// The replay cache on its own: once per signature within its window, again after it,
// and bounded (the oldest dropped first).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReplayCache } from "../auth/replay-cache.js";

describe("replay cache", () => {
  it("accepts a signature once while it is valid, and forgets it after", () => {
    const cache = new ReplayCache();
    assert.equal(cache.firstUse("sig", 1_000, 0), true);
    assert.equal(cache.firstUse("sig", 1_000, 999), false);
    assert.equal(cache.firstUse("other", 1_000, 999), true);
    assert.equal(cache.firstUse("sig", 5_000, 1_001), true, "past its window it is new again");
    assert.equal(cache.size, 1, "expired entries are dropped");
  });

  it("holds at most its limit, dropping the oldest", () => {
    const cache = new ReplayCache(3);
    for (const sig of ["a", "b", "c", "d"]) assert.equal(cache.firstUse(sig, 10_000, 0), true);
    assert.equal(cache.size, 3);
    assert.equal(cache.firstUse("d", 10_000, 1), false);
    assert.equal(cache.firstUse("a", 10_000, 1), true, "the oldest was dropped");
  });
});
