import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  canonicalAddress,
  type HostIpMode,
  hostIpFor,
  LATCHING_HOST_IP,
  modeOf,
  PUBLIC_HOST_IP,
  parseHostIp,
} from "../host-ip.js";

describe("hostIP parsing", () => {
  it("knows the public and latching values", () => {
    assert.deepEqual(parseHostIp("0.0.0.0"), { ok: true, policy: { mode: "public" } });
    assert.deepEqual(parseHostIp("255.255.255.255"), { ok: true, policy: { mode: "latching" } });
  });

  it("restricts to one address, in one canonical spelling", () => {
    const cases: [string, string][] = [
      ["203.0.113.9", "203.0.113.9"],
      ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
      ["::ffff:203.0.113.9", "203.0.113.9"],
      ["::ffff:127.0.0.1", "127.0.0.1"],
      ["::1", "::1"],
    ];
    for (const [input, address] of cases) {
      assert.deepEqual(
        parseHostIp(input),
        { ok: true, policy: { mode: "restricted", address } },
        input,
      );
    }
  });

  it("treats mapped forms of the special values as those values", () => {
    assert.deepEqual(parseHostIp("::ffff:0.0.0.0"), { ok: true, policy: { mode: "public" } });
  });

  it("refuses everything else, naming the value", () => {
    const bad = [
      "",
      " 0.0.0.0",
      "0.0.0.0 ",
      "256.1.1.1",
      "1.2.3",
      "01.2.3.4",
      "0.0.0.0/0",
      "::ffff:999.1.1.1",
      "fe80::1%eth0",
      "localhost",
      "1.2.3.4:80",
      "１.２.３.４",
      "0x7f.0.0.1",
      // An embedded IPv4 tail is held to the same strict form as plain IPv4.
      "::ffff:0x7f.0.0.1",
      "::ffff:127.0.0.01",
      "a".repeat(5000),
      // Addresses no visitor connects from: a proxy restricted to one would admit nobody.
      "::",
      "0:0:0:0:0:0:0:0",
      "224.0.0.1",
      "ff02::1",
    ];
    for (const value of bad) {
      const result = parseHostIp(value);
      assert.equal(result.ok, false, JSON.stringify(value));
      if (!result.ok) assert.match(result.reason, /^hostIP "/);
    }
  });

  it("canonicalises socket addresses for comparison", () => {
    assert.equal(canonicalAddress("::ffff:127.0.0.2"), "127.0.0.2");
    assert.equal(canonicalAddress("127.0.0.2"), "127.0.0.2");
    assert.equal(canonicalAddress("0:0:0:0:0:0:0:1"), "::1");
  });

  it("names the hostIP of each mode, and the mode of each hostIP", () => {
    assert.equal(hostIpFor("public", "203.0.113.9"), "0.0.0.0");
    assert.equal(hostIpFor("latching", "203.0.113.9"), "255.255.255.255");
    assert.equal(hostIpFor("restricted", "203.0.113.9"), "203.0.113.9");
    assert.equal(modeOf("0.0.0.0"), "public");
    assert.equal(modeOf("255.255.255.255"), "latching");
    assert.equal(modeOf("203.0.113.9"), "restricted");
    assert.equal(modeOf("2001:db8::1"), "restricted");
  });

  it("round-trips every mode, and agrees with the parser on the special values", () => {
    const modes: HostIpMode[] = ["public", "restricted", "latching"];
    for (const mode of modes) assert.equal(modeOf(hostIpFor(mode, "198.51.100.7")), mode);
    for (const hostIP of [PUBLIC_HOST_IP, LATCHING_HOST_IP, "198.51.100.7"]) {
      const parsed = parseHostIp(hostIP);
      assert.ok(parsed.ok);
      assert.equal(parsed.policy.mode, modeOf(hostIP), hostIP);
    }
  });
});
