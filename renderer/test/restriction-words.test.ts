import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { restrictionWords } from "../src/lib/restriction-words.js";

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
});
