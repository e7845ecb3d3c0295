// The P2P handshake both ends read: the token message the client sends is the one the
// agent accepts, and nothing else is; an offer loses its candidates (they follow the
// answer) but keeps everything else.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  asDtlsClientOffer,
  bareCandidate,
  presentsToken,
  splitCandidates,
  tokenMessage,
} from "../p2p/handshake.js";

describe("P2P handshake", () => {
  const token = "k".repeat(43);

  it("accepts the token message for its token only", () => {
    assert.equal(presentsToken(tokenMessage(token), token), true);
    assert.equal(presentsToken(tokenMessage("K".repeat(43)), token), false);
    assert.equal(presentsToken(tokenMessage(token.slice(1)), token), false, "shorter");
    assert.equal(presentsToken(token, token), false, "the token without its prefix");
  });

  it("takes the candidates out of an offer and makes the client the DTLS client", () => {
    const offer = [
      "v=0",
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
      "a=mid:data",
      "a=setup:actpass",
      "a=candidate:1 1 UDP 2122317823 127.0.0.1 40000 typ host",
      "a=end-of-candidates",
      "",
    ].join("\r\n");
    const { description, mid, candidates } = splitCandidates(offer);
    assert.equal(mid, "data");
    assert.deepEqual(candidates, ["candidate:1 1 UDP 2122317823 127.0.0.1 40000 typ host"]);
    assert.doesNotMatch(description, /candidate/);
    assert.match(asDtlsClientOffer(description), /^a=setup:active$/m);
    assert.equal(bareCandidate(`a=${candidates[0]}`), candidates[0]);
  });
});
