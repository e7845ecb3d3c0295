import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { admits, parseRestriction, restrictionProblem } from "../local-restriction.js";

function parsed(value: string) {
  const result = parseRestriction(value);
  assert.ok(result.ok, `${value}: ${result.ok ? "" : result.reason}`);
  return result;
}

describe("local network security", () => {
  it("reads none, latching, one address and a subnet, each in one spelling", () => {
    const cases: [string, string][] = [
      ["none", "none"],
      [" Latching ", "latching"],
      ["192.168.1.20", "192.168.1.20"],
      ["::ffff:192.168.1.20", "192.168.1.20"],
      ["FE80::0001", "fe80::1"],
      ["192.168.1.0/24", "192.168.1.0/24"],
      ["2001:DB8::/32", "2001:db8::/32"],
      ["::ffff:10.0.0.0/104", "10.0.0.0/8"],
    ];
    for (const [value, canonical] of cases) assert.equal(parsed(value).canonical, canonical);
  });

  it("refuses malformed values with a sentence naming them", () => {
    const bad: [string, RegExp][] = [
      ["192.168.1.0/33", /"192\.168\.1\.0\/33" is not a valid subnet/],
      ["192.168.1/24", /is not a valid subnet/],
      ["10.0.0.0/", /is not a valid subnet/],
      ["10.0.0.0/8/8", /is not a valid subnet/],
      ["10.0.0.0/-1", /is not a valid subnet/],
      ["2001:db8::/129", /is not a valid subnet/],
      ["::ffff:10.0.0.0/90", /is wider than IPv4/],
      ["anyone", /"anyone" is not valid: use "none", "latching"/],
      ["010.0.0.1", /is not valid/],
      ["0.0.0.0", /unspecified address, which no client connects from/],
      ["224.0.0.1", /multicast address/],
      ["", /is not valid/],
    ];
    for (const [value, reason] of bad) {
      const problem = restrictionProblem(value);
      assert.ok(problem, `${value} was accepted`);
      assert.match(problem, reason);
    }
  });

  it("admits by address and subnet, whatever the socket's spelling", () => {
    const one = parsed("127.0.0.2").restriction;
    assert.equal(admits(one, null, "127.0.0.2"), true);
    assert.equal(admits(one, null, "::ffff:127.0.0.2"), true);
    assert.equal(admits(one, null, "127.0.0.3"), false);
    const subnet = parsed("127.0.0.0/30").restriction;
    assert.equal(admits(subnet, null, "127.0.0.3"), true);
    assert.equal(admits(subnet, null, "::ffff:127.0.0.1"), true);
    assert.equal(admits(subnet, null, "127.0.0.9"), false);
    assert.equal(admits(subnet, null, "::1"), false, "an IPv6 client is outside an IPv4 subnet");
    const v6 = parsed("fd00::/8").restriction;
    assert.equal(admits(v6, null, "fd12::5"), true);
    assert.equal(admits(v6, null, "10.0.0.1"), false);
    assert.equal(admits(parsed("none").restriction, null, "203.0.113.9"), true);
  });

  it("latching admits anyone until latched, then only the latched address", () => {
    const latching = parsed("latching").restriction;
    assert.equal(admits(latching, null, "127.0.0.3"), true);
    assert.equal(admits(latching, "127.0.0.2", "::ffff:127.0.0.2"), true);
    assert.equal(admits(latching, "127.0.0.2", "127.0.0.3"), false);
  });
});
