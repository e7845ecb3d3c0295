import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { describeHostIp } from "../src/lib/host-ip-label.js";

describe("describeHostIp", () => {
  it("names each mode, and the address a restricted connection admits", () => {
    assert.equal(describeHostIp({ reverseProxy: false, hostIP: "0.0.0.0" }), "public");
    assert.equal(describeHostIp({ reverseProxy: false, hostIP: "255.255.255.255" }), "latching");
    assert.equal(
      describeHostIp({ reverseProxy: false, hostIP: "203.0.113.9" }),
      "only 203.0.113.9",
    );
    assert.equal(
      describeHostIp({ reverseProxy: false, hostIP: "2001:db8::1" }),
      "only 2001:db8::1",
    );
  });

  it("calls a reverse proxy a public link, whatever its hostIP", () => {
    assert.equal(describeHostIp({ reverseProxy: true, hostIP: "0.0.0.0" }), "public link");
    assert.equal(describeHostIp({ reverseProxy: true, hostIP: "203.0.113.9" }), "public link");
  });
});
