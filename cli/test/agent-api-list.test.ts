// `reach agent --api URL[,URL…]`: the nodes of a broker cluster, tried in turn; each must be
// an http(s) URL, and the error names the one that is not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runReach } from "../../test-support/processes.js";
import { parseApiList } from "../commands/agent.js";

describe("reach agent --api with several brokers", { timeout: 60_000 }, () => {
  it("splits the list at commas, in order, spaces trimmed", () => {
    assert.deepEqual(
      parseApiList("http://127.0.0.11:29090/graphql/v1, https://node2.example.com/graphql/v1"),
      ["http://127.0.0.11:29090/graphql/v1", "https://node2.example.com/graphql/v1"],
    );
    assert.deepEqual(parseApiList("http://one.example/graphql/v1"), [
      "http://one.example/graphql/v1",
    ]);
  });

  it("names the URL that is not http(s), and an empty one between commas", () => {
    assert.throws(() => parseApiList("http://ok.example/graphql/v1,ws://bad.example/"), {
      message: '--api: the broker URL "ws://bad.example/" is ws, not http or https.',
    });
    assert.throws(() => parseApiList("http://ok.example/graphql/v1,,http://b.example/"), {
      message:
        '--api "http://ok.example/graphql/v1,,http://b.example/": an empty URL between commas.',
    });
  });

  it("refuses a bad list before connecting, saying which URL", async () => {
    const result = await runReach(
      [
        "agent",
        "--api",
        "http://127.0.0.1:9/graphql/v1,node2:29090",
        "--key",
        "K",
        "--secret",
        "S",
      ],
      { waitMs: 30_000 },
    );
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /--api: the broker URL "node2:29090" is node2, not http or https\./,
    );
  });
});
