import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { templatePlaceholders } from "../src/lib/template-placeholders.js";

describe("templatePlaceholders", () => {
  it("shows the type's default templates, and says when there is nothing to launch", () => {
    assert.deepEqual(templatePlaceholders(28), {
      copy: "ssh -l [username] [host] -p [port]",
      launch: "ssh://[username]@[host]:[port]",
    });
    assert.deepEqual(templatePlaceholders(1), {
      copy: "[host]:[port]",
      launch: "none: type a URL or a command",
    });
  });
});
