// The line each key of a TOML document is set on: tables, dotted keys, and values that span
// lines (whose inner lines must not pass for keys).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "smol-toml";
import { lineOf, tomlKeyLines } from "../toml-key-lines.js";

describe("tomlKeyLines", () => {
  it("finds keys under tables, dotted keys and quoted keys, and skips multi-line values", () => {
    const text = [
      "# comment = 1", // 1
      'listen = "127.0.0.1:1"', // 2
      "public_ip = [", // 3
      '  "192.0.2.1",', // 4
      "  'node = 3',", // 5: a value in the array, not a key
      "]", // 6
      'acme.email = "a@b.cd"', // 7
      "[proxy]", // 8
      '  bind = "0.0.0.0"', // 9
      '"ports" = "1-2"', // 10
      'note = """', // 11
      "timeout = 5", // 12: inside the string, not a key
      '"""', // 13
      "[ dns ]", // 14
      "listen = 'off'", // 15
    ].join("\n");
    parse(text); // what the scanner is given is always a document smol-toml accepted
    const lines = tomlKeyLines(text);
    assert.equal(lines.get("listen"), 2);
    assert.equal(lines.get("public_ip"), 3);
    assert.equal(lines.has("node"), false);
    assert.equal(lines.has("comment"), false);
    assert.equal(lines.get("acme.email"), 7);
    assert.equal(lines.get("proxy"), 8);
    assert.equal(lines.get("proxy.bind"), 9);
    assert.equal(lines.get("proxy.ports"), 10);
    assert.equal(lines.has("proxy.timeout"), false);
    assert.equal(lines.get("dns.listen"), 15);
  });

  it("gives a key without a line of its own the line of its table", () => {
    const lines = tomlKeyLines('[acme]\nx = 1\ninline = { email = "a@b.cd" }\n');
    assert.equal(lineOf(lines, ["acme", "inline", "email"]), 3);
    assert.equal(lineOf(lines, ["acme", "missing"]), 1);
    assert.equal(lineOf(lines, ["nowhere"]), undefined);
  });
});
