import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { retryWords } from "../src/lib/retry-words.js";

describe("retryWords", () => {
  it("counts whole seconds up to the next try", () => {
    assert.equal(retryWords(10_000, 5_000), "retrying in 5 s");
    assert.equal(retryWords(10_000, 9_100), "retrying in 1 s");
  });

  it("says now once the time has come, and nothing when no try is planned", () => {
    assert.equal(retryWords(10_000, 10_000), "retrying now");
    assert.equal(retryWords(null, 10_000), null);
  });
});
