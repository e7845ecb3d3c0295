// The latching hostIP mode with a store that answers later: the first visitor's address is
// decided at once, so of racing visitors exactly one latches; it holds only once saved.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseHostIp } from "../../common/host-ip.js";
import { AccessPolicy } from "../proxy/access-policy.js";

/** A latching policy whose saves wait until the test settles them. */
function slowLatchingPolicy() {
  const saves: {
    address: string;
    settle: (ok: boolean) => void;
    /** The store already held another node's latch: it answers with that one. */
    settleWith: (winner: string) => void;
  }[] = [];
  const parsed = parseHostIp("255.255.255.255");
  assert.ok(parsed.ok);
  const policy = new AccessPolicy(
    parsed.policy,
    null,
    (address) =>
      new Promise<string>((resolve, reject) => {
        saves.push({
          address,
          settle: (ok) => (ok ? resolve(address) : reject(new Error("full"))),
          settleWith: resolve,
        });
      }),
  );
  return { policy, saves };
}

describe("access policy with a slow store", () => {
  it("latches the first of racing visitors; its address waits for the save, others are refused", async () => {
    const { policy, saves } = slowLatchingPolicy();
    const first = policy.admits("127.0.0.2");
    const other = policy.admits("127.0.0.3");
    const again = policy.admits("::ffff:127.0.0.2");
    assert.deepEqual(
      saves.map((s) => s.address),
      ["127.0.0.2"],
    );
    assert.equal(policy.latched, null, "not latched before it is saved");
    saves[0]?.settle(true);
    assert.deepEqual(await Promise.all([first, other, again]), [true, false, true]);
    assert.equal(policy.latched, "127.0.0.2");
    assert.equal(await policy.admits("127.0.0.3"), false);
    assert.equal(saves.length, 1);
  });

  it("a save that fails refuses everyone who waited on it and leaves the latch free", async () => {
    const { policy, saves } = slowLatchingPolicy();
    const first = policy.admits("127.0.0.2");
    const again = policy.admits("127.0.0.2");
    saves[0]?.settle(false);
    assert.deepEqual(await Promise.all([first, again]), [false, false]);
    assert.equal(policy.latched, null);
    const next = policy.admits("127.0.0.3");
    saves[1]?.settle(true);
    assert.equal(await next, true);
    assert.equal(policy.latched, "127.0.0.3");
  });

  it("when another node latched first, the store's winner holds here and the visitor is refused", async () => {
    const { policy, saves } = slowLatchingPolicy();
    const first = policy.admits("127.0.0.2");
    saves[0]?.settleWith("127.0.0.3");
    assert.equal(await first, false);
    assert.equal(policy.latched, "127.0.0.3");
    assert.equal(await policy.admits("127.0.0.3"), true);
    assert.equal(await policy.admits("127.0.0.2"), false);
    assert.equal(saves.length, 1);
  });
});
