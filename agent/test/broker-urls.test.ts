// The agent's broker list and the dials it follows: http(s) URLs only, and a dial keeps the
// scheme of the broker the agent is attached to (an https cluster stays TLS).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { brokerUrlProblem, dialRefusal, parseBrokerUrls } from "../broker-urls.js";

describe("the agent's broker URLs", () => {
  it("takes http and https URLs, in the order given", () => {
    const urls = parseBrokerUrls([
      "https://node1.example.com/graphql/v1",
      "http://127.0.0.12:29090/graphql/v1",
    ]);
    assert.deepEqual(
      urls.map((url) => url.origin),
      ["https://node1.example.com", "http://127.0.0.12:29090"],
    );
  });

  it("refuses an empty list and names the first URL that is not http(s)", () => {
    assert.throws(() => parseBrokerUrls([]), /at least one broker URL/);
    assert.throws(
      () => parseBrokerUrls(["http://ok.example/graphql/v1", "ftp://files.example/", "nonsense"]),
      { message: 'The broker URL "ftp://files.example/" is ftp, not http or https.' },
    );
    // A URL without its scheme reads as one whose scheme is the host.
    assert.match(brokerUrlProblem("localhost:29090") ?? "", /is localhost, not http or https/);
    assert.match(brokerUrlProblem("127.0.0.1:29090") ?? "", /is not a URL like/);
    assert.equal(
      brokerUrlProblem("not a url"),
      '"not a url" is not a URL like http://HOST:PORT/graphql/v1.',
    );
  });
});

describe("a broker's dial", () => {
  const tls = new URL("https://node1.example.com/graphql/v1");
  const plain = new URL("http://127.0.0.11:29090/graphql/v1");

  it("is followed to a node of the same scheme", () => {
    assert.equal(dialRefusal("https://node2.example.com", tls), null);
    assert.equal(dialRefusal("http://127.0.0.12:29091", plain), null);
  });

  it("is refused when it would leave TLS, or is not http(s) at all", () => {
    assert.match(
      dialRefusal("http://node2.example.com", tls) ?? "",
      /is http but this broker is https/,
    );
    assert.match(
      dialRefusal("https://node2.example.com", plain) ?? "",
      /is https but this broker is http/,
    );
    assert.match(dialRefusal("ws://node2.example.com", plain) ?? "", /is ws, not http or https/);
    assert.match(dialRefusal("file:///etc/passwd", tls) ?? "", /is file, not http or https/);
  });
});
