// Stream ids taken in turn (client/on-demand/stream-ids.ts): an id comes back only after
// every other id of its parity, never while a channel holds it, never the control's.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StreamIds } from "../on-demand/stream-ids.js";

describe("stream ids of a peer path", () => {
  test("follow the control channel's parity and start after it", () => {
    const odd = new StreamIds(1);
    assert.deepEqual([odd.take(new Set()), odd.take(new Set()), odd.take(new Set())], [3, 5, 7]);
    const even = new StreamIds(0);
    assert.deepEqual([even.take(new Set()), even.take(new Set())], [2, 4]);
  });

  test("a freed id comes back only after all 510 others: not at once, as lowest-free would", () => {
    const ids = new StreamIds(1);
    const first = ids.take(new Set());
    const seen = new Set<number | null>([first]);
    for (let i = 0; i < 510; i++) seen.add(ids.take(new Set()));
    assert.equal(seen.size, 511, "every odd id from 3 to 1023, and 1, the control's, is skipped");
    assert.ok(!seen.has(1));
    assert.equal(Math.max(...([...seen] as number[])), 1023, "libdatachannel's highest id");
    assert.equal(ids.take(new Set()), first, "then round again");
  });

  test("skip ids still held, and say so when every id is held", () => {
    const ids = new StreamIds(1);
    assert.equal(ids.take(new Set([3, 5])), 7);
    const all = new Set<number>();
    for (let id = 3; id <= 1023; id += 2) all.add(id);
    assert.equal(ids.take(all), null);
  });
});
