import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { isPort, isSingleAddress } from "../src/lib/input-checks.js";

describe("form input checks", () => {
  it("takes ports from 1 to 65535 written as digits only", () => {
    for (const port of ["1", "22", "8080", "65535", "00022"]) assert.ok(isPort(port), port);
    for (const port of ["", "0", "65536", "123456", "-1", "22.0", "1e3", " 22", "0x16", "twenty"]) {
      assert.equal(isPort(port), false, JSON.stringify(port));
    }
  });

  it("takes one IPv4 or IPv6 address, trimmed, but not the public or latching value", () => {
    for (const address of ["203.0.113.9", " 127.0.0.2 ", "2001:db8::1", "::ffff:10.0.0.1"]) {
      assert.ok(isSingleAddress(address), address);
    }
    for (const address of [
      "",
      "1.2.3",
      "0.0.0.0",
      "255.255.255.255",
      "localhost",
      "::",
      "a.b.c.d",
    ]) {
      assert.equal(isSingleAddress(address), false, JSON.stringify(address));
    }
  });
});
