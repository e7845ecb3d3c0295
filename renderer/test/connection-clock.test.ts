import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { connectionClock } from "../src/lib/connection-clock.js";

const created = Date.parse("2026-11-24T12:00:00Z");
const hour = { expiresAt: created + 3_600_000, timeout: 3600 };

describe("connection clock", () => {
  it("counts an active connection down with the share of its timeout left", () => {
    assert.deepEqual(connectionClock({ ...hour, status: "active" }, created + 900_000), {
      live: true,
      remaining: 2_700_000,
      fraction: 0.75,
      label: "active",
    });
  });

  it("is expired once past its time, before the core says so", () => {
    const clock = connectionClock({ ...hour, status: "active" }, created + 3_600_000);
    assert.deepEqual(clock, { live: false, remaining: 0, fraction: 0, label: "expired" });
  });

  it("keeps the fraction within 0 and 1", () => {
    assert.equal(connectionClock({ ...hour, status: "active" }, created - 60_000).fraction, 1);
    assert.equal(connectionClock({ ...hour, status: "expired" }, created + 7_200_000).fraction, 0);
  });

  it("says closed or expired for a connection that has ended", () => {
    assert.equal(connectionClock({ ...hour, status: "closed" }, created).label, "closed");
    assert.equal(connectionClock({ ...hour, status: "closed" }, created).live, false);
    assert.equal(connectionClock({ ...hour, status: "expired" }, created).label, "expired");
  });
});
