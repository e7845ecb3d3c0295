// The cavage signer against the test vectors in the reference (section 2.2): the plugin
// README's example key, the docs' bash query, 5, 4 and 6 signed headers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bodyDigest, hmacSignature, signingString } from "../r3-signature.js";

const SECRET = "UZGhn/fqEYUPnhX6kZ3Z5uces3i0dq9YNw2+cOKh";
const BODY =
  '{ "query": "{ login { email  devices (size: 1000, from: 0) { items { id name services { id name} } } } }" }';
const request = {
  method: "POST",
  path: "/graphql/v1",
  headers: {
    host: "api.remote.it",
    date: "Tue, 01 Sep 2026 12:00:00 GMT",
    "content-type": "application/json",
    "content-length": String(BODY.length),
    digest: bodyDigest(BODY),
  },
};
const FOUR = ["(request-target)", "host", "date", "content-type"];

describe("R3 cavage test vectors (reference 2.2)", () => {
  it("the body is 107 bytes and its digest is the one listed", () => {
    assert.equal(Buffer.byteLength(BODY), 107);
    assert.equal(request.headers.digest, "SHA-256=PLmeCLkIMjfCeVLJUX16GmWMu8WzTGns44lVOQLREj8=");
  });

  it("A: 5 headers", () => {
    const text = signingString(request, [...FOUR, "content-length"]);
    assert.equal(
      text,
      "(request-target): post /graphql/v1\nhost: api.remote.it\ndate: Tue, 01 Sep 2026 12:00:00 GMT\ncontent-type: application/json\ncontent-length: 107",
    );
    assert.equal(hmacSignature(SECRET, text), "cSX1woFlol+O8i+DxHZ2NrVLz4JywCEH4nElJIBpvN0=");
  });

  it("B: 4 headers, no content-length", () => {
    const text = signingString(request, FOUR);
    assert.equal(hmacSignature(SECRET, text), "JUCaBVZlgNJmM52dLDEIaNecyjHrCudHlp1K8xNRGe4=");
  });

  it("C: 6 headers, digest last", () => {
    const text = signingString(request, [...FOUR, "content-length", "digest"]);
    assert.equal(hmacSignature(SECRET, text), "XeAC0gmfy0VSdx9g1KTJcBhKycay0ZlVvU631yjK45s=");
  });
});
