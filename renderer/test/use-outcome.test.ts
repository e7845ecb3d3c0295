import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { pageStep, tokenLabel } from "../src/lib/use-outcome.js";

describe("pageStep", () => {
  it("leaves to the host what it did, and does the rest in the page", () => {
    assert.deepEqual(pageStep({ done: true, text: "ssh x", kind: "command", byHost: true }), {
      kind: "none",
      text: "ssh x",
    });
    assert.deepEqual(
      pageStep({ done: true, text: "ssh -l me 127.0.0.1 -p 1", kind: "copy", byHost: false }),
      { kind: "copy", text: "ssh -l me 127.0.0.1 -p 1" },
    );
    assert.deepEqual(
      pageStep({ done: true, text: "http://127.0.0.1:1", kind: "url", byHost: false }),
      { kind: "open", url: "http://127.0.0.1:1" },
    );
    assert.deepEqual(pageStep({ done: true, text: "psql", kind: "command", byHost: false }), {
      kind: "copy-command",
      text: "psql",
    });
  });

  it("asks for missing tokens, labelled for a person", () => {
    assert.deepEqual(pageStep({ done: false, missing: ["username"] }), {
      kind: "ask",
      missing: ["username"],
    });
    assert.equal(tokenLabel("username"), "Username");
  });
});
