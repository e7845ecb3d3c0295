import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import {
  parseSignatureHeader,
  R3_SIGNED_HEADERS,
  signingString,
  signRequest,
} from "../r3-signature.js";

const credentials = {
  accessKeyId: "AKEXAMPLE",
  secretAccessKey: Buffer.from("0123456789abcdef0123456789abcdef").toString("base64"),
};
const request = {
  method: "POST",
  path: "/graphql/v1",
  headers: {
    host: "api.example:29090",
    "content-type": "application/json",
    "content-length": "42",
  },
};

describe("R3 signatures", () => {
  it("builds the signing string in header-list order, (request-target) first", () => {
    const text = signingString(
      { ...request, headers: { ...request.headers, date: "Tue, 24 Nov 2026 10:00:00 GMT" } },
      R3_SIGNED_HEADERS,
    );
    assert.equal(
      text,
      "(request-target): post /graphql/v1\nhost: api.example:29090\ndate: Tue, 24 Nov 2026 10:00:00 GMT\ncontent-type: application/json\ncontent-length: 42",
    );
  });

  it("signs with HMAC-SHA256 keyed by the decoded secret, as an independent HMAC computes it", () => {
    const now = new Date("2026-11-24T10:00:00Z");
    const { date, authorization } = signRequest(credentials, request, now);
    assert.equal(date, "Tue, 24 Nov 2026 10:00:00 GMT");
    const expected = createHmac("sha256", "0123456789abcdef0123456789abcdef")
      .update(
        signingString({ ...request, headers: { ...request.headers, date } }, R3_SIGNED_HEADERS),
      )
      .digest("base64");
    assert.equal(
      authorization,
      `Signature keyId="AKEXAMPLE",algorithm="hmac-sha256",headers="(request-target) host date content-type content-length",signature="${expected}"`,
    );
    assert.deepEqual(parseSignatureHeader(authorization), {
      keyId: "AKEXAMPLE",
      algorithm: "hmac-sha256",
      headers: R3_SIGNED_HEADERS,
      signature: expected,
    });
  });

  it("rejects malformed Authorization headers", () => {
    for (const value of [
      undefined,
      "",
      "Basic abc",
      "Signature",
      'Signature keyId="a"',
      'Signature keyId="a",signature="b" junk',
      'Signature keyId="a",keyId="b",signature="c"',
      `Signature keyId="${"a".repeat(5000)}",signature="b"`,
    ]) {
      assert.equal(parseSignatureHeader(value), null, String(value).slice(0, 40));
    }
  });
});
