// The raw upgrade lines both ends read: what the agent and the relay client send is what
// the broker takes a token from, and the agent reads the broker's 101 (and only a 101) as
// the start of raw bytes, however the answer is cut into reads.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ANSWER_INCOMPLETE,
  ANSWER_REFUSED,
  DATA_UPGRADE,
  RELAY_UPGRADE,
  refusalMessage,
  refusalResponse,
  switchedHeadLength,
  upgradeRequestHeaders,
  upgradeRequestLines,
  upgradeToken,
} from "../tunnel/upgrade.js";

describe("tunnel upgrades", () => {
  it("writes each path's request and takes its token back, for that path's protocol only", () => {
    assert.equal(
      upgradeRequestLines(DATA_UPGRADE, "broker.example:29090", "t0k3n"),
      "GET /tunnel/v1/data HTTP/1.1\r\nHost: broker.example:29090\r\nConnection: Upgrade\r\n" +
        "Upgrade: reach-tunnel\r\nAuthorization: Bearer t0k3n\r\n\r\n",
    );
    const relay = upgradeRequestHeaders(RELAY_UPGRADE, "t0k3n");
    assert.equal(RELAY_UPGRADE.path, "/tunnel/v1/relay");
    assert.equal(upgradeToken(RELAY_UPGRADE, relay), "t0k3n");
    assert.equal(upgradeToken(DATA_UPGRADE, relay), undefined, "a relay upgrade is not data");
    assert.equal(upgradeToken(RELAY_UPGRADE, { ...relay, authorization: "Basic x" }), undefined);
  });

  it("reads a 101 head however it is split, and refuses anything else", () => {
    const answer = Buffer.from(`${DATA_UPGRADE.switched}raw`);
    const head = DATA_UPGRADE.switched.length;
    assert.equal(switchedHeadLength(answer), head);
    assert.equal(switchedHeadLength(answer.subarray(0, head - 1)), ANSWER_INCOMPLETE);
    assert.equal(switchedHeadLength(answer.subarray(0, 5)), ANSWER_INCOMPLETE);
    const refused = Buffer.from(refusalResponse(401, "Unknown tunnel session."));
    assert.equal(switchedHeadLength(refused), ANSWER_REFUSED);
    assert.equal(switchedHeadLength(Buffer.alloc(20_000, "a")), ANSWER_REFUSED, "endless head");
  });

  it("carries a refusal's sentence in its body", () => {
    const response = refusalResponse(503, "The device is offline.");
    assert.match(response, /^HTTP\/1\.1 503 Refused\r\n/);
    const body = response.slice(response.indexOf("\r\n\r\n") + 4);
    assert.equal(refusalMessage(body), "The device is offline.");
    assert.equal(refusalMessage("<html>not ours</html>"), null);
    assert.equal(refusalMessage("null"), null);
  });
});
