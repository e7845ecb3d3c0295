// What the broker does when its store cannot be written: clear errors, nothing latched or
// created that was not saved. (Full and read-only disks are exercised for real, on tmpfs
// mounts, by `npm run torture`, which needs root.)
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ensureWritableDir } from "../../common/fs/writable-dir.js";
import { parseHostIp } from "../../common/host-ip.js";
import { tempDir } from "../../test-support/stack.js";
import { AccessPolicy } from "../proxy/access-policy.js";
import { openDatabase } from "../store/sqlite/open-database.js";
import { isStorageFailure } from "../store/sqlite/storage-failure.js";

function latchingPolicy(onLatch: (address: string) => string): AccessPolicy {
  const parsed = parseHostIp("255.255.255.255");
  assert.ok(parsed.ok);
  return new AccessPolicy(parsed.policy, null, onLatch);
}

describe("storage faults", () => {
  it("a latch that cannot be saved refuses the visitor and leaves the proxy unlatched", async () => {
    let failing = true;
    const saved: string[] = [];
    const policy = latchingPolicy((address) => {
      if (failing)
        throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
      saved.push(address);
      return address;
    });
    assert.equal(await policy.admits("127.0.0.2"), false);
    assert.equal(policy.latched, null);
    failing = false;
    assert.equal(await policy.admits("127.0.0.3"), true);
    assert.equal(await policy.admits("127.0.0.2"), false);
    assert.deepEqual(saved, ["127.0.0.3"]);
  });

  it("names the problem when the data directory's path runs through a file", async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, "file"), "");
    assert.throws(
      () => openDatabase(join(dir, "file", "broker")),
      /data directory .* cannot be written: a part of its path is a file, not a directory \(ENOTDIR\)/,
    );
    assert.throws(
      () => ensureWritableDir(join(dir, "file"), "agent data directory"),
      /agent data directory/,
    );
  });

  it("tells full or failing disks apart from other store errors", () => {
    assert.equal(isStorageFailure({ code: "SQLITE_FULL" }), true);
    assert.equal(isStorageFailure({ code: "SQLITE_IOERR_WRITE" }), true);
    assert.equal(isStorageFailure({ code: "SQLITE_CONSTRAINT_PRIMARYKEY" }), false);
    assert.equal(isStorageFailure(new Error("x")), false);
  });
});
