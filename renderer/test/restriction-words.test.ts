import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { publicRestrictionWords, restrictionWords } from "../src/lib/restriction-words.js";

describe("restrictionWords", () => {
  it("names each kind of local network security, and who latched", () => {
    assert.equal(restrictionWords({ restrict: "none", latchedIp: null }), "anyone");
    assert.equal(
      restrictionWords({ restrict: "latching", latchedIp: null }),
      "latching, not yet latched",
    );
    assert.equal(
      restrictionWords({ restrict: "latching", latchedIp: "127.0.0.2" }),
      "latched by 127.0.0.2",
    );
    assert.equal(restrictionWords({ restrict: "127.0.0.2", latchedIp: null }), "only 127.0.0.2");
    assert.equal(restrictionWords({ restrict: "10.0.0.0/8", latchedIp: null }), "10.0.0.0/8");
  });

  it("names who may use a public proxy, and who latched it", () => {
    assert.equal(publicRestrictionWords({ publicMode: "public", publicIp: null }, null), "anyone");
    assert.equal(
      publicRestrictionWords({ publicMode: "restricted", publicIp: "203.0.113.9" }, null),
      "only 203.0.113.9",
    );
    assert.equal(
      publicRestrictionWords({ publicMode: "latching", publicIp: null }, null),
      "latching, not yet latched",
    );
    assert.equal(
      publicRestrictionWords({ publicMode: "latching", publicIp: null }, "127.0.0.3"),
      "latched by 127.0.0.3",
    );
  });
});
