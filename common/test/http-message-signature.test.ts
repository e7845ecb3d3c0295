// RFC 9421 signing against the RFC's own HMAC example (Appendix B.2.5), and the parser's
// refusals of what HMAC clients never send.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  contentDigest,
  contentDigestSha256,
  parseSignatureField,
  parseSignatureInput,
  signatureBase,
  signMessage,
} from "../http-message-signature.js";

const SHARED_SECRET =
  "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==";
const request = {
  method: "POST",
  scheme: "https" as const,
  authority: "example.com",
  target: "/foo?param=Value&Pet=dog",
  headers: { date: "Tue, 20 Apr 2021 02:07:55 GMT", "content-type": "application/json" },
};

describe("HTTP Message Signatures (RFC 9421)", () => {
  it("reproduces the RFC's HMAC-SHA256 example (B.2.5)", () => {
    const input = parseSignatureInput(
      'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
    );
    assert.ok(input?.[0]);
    assert.equal(
      signatureBase(input[0], request),
      '"date": Tue, 20 Apr 2021 02:07:55 GMT\n"@authority": example.com\n"content-type": application/json\n' +
        '"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
    );
    assert.deepEqual(signMessage(SHARED_SECRET, input[0], request), {
      "signature-input":
        'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
      signature: "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:",
    });
  });

  it("derives @method, @target-uri, @path and @query from the request", () => {
    const base = signatureBase(
      { components: ["@method", "@target-uri", "@path", "@query"], params: [] },
      request,
    );
    assert.equal(
      base,
      '"@method": POST\n"@target-uri": https://example.com/foo?param=Value&Pet=dog\n"@path": /foo\n' +
        '"@query": ?param=Value&Pet=dog\n"@signature-params": ("@method" "@target-uri" "@path" "@query")',
    );
  });

  it("reads several labels and refuses component parameters and garbage", () => {
    const both = parseSignatureInput('a=("@method");created=1, b=("date");keyid="k"');
    assert.deepEqual(
      both?.map((entry) => entry.label),
      ["a", "b"],
    );
    for (const bad of [
      "",
      'x=("@query-param";name="a")',
      "x=(@method)",
      'x=("@method"',
      'x=("@method"),',
      'x=("@method");created=1;created=2',
      'x=("@method");alg=hmac-sha256',
    ]) {
      assert.equal(parseSignatureInput(bad), null, bad);
    }
    const flags = parseSignatureInput('x=("@method");created=-1;on;off=?0;n="a\\"b"');
    assert.ok(flags?.[0]);
    assert.equal(
      signatureBase(flags[0], request)?.split("\n").at(-1),
      '"@signature-params": ("@method");created=-1;on;off=?0;n="a\\"b"',
    );
    assert.equal(parseSignatureField("x=:YWJj:")?.get("x"), "YWJj");
    assert.equal(parseSignatureField("x=YWJj"), null);
  });

  it("writes and reads Content-Digest (RFC 9530)", () => {
    const value = contentDigest('{"hello": "world"}');
    assert.equal(value, "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
    assert.equal(
      contentDigestSha256(`sha-512=:AAAA:, ${value}`),
      "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
    );
    assert.equal(contentDigestSha256("sha-512=:AAAA:"), null);
  });
});
