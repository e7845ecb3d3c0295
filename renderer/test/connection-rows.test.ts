import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { connectionRows } from "../../common/connection-rows.js";
import { brokerConnection, savedView } from "./fixtures.js";

describe("connectionRows", () => {
  it("lists saved connections first, each with the broker connection carrying it", () => {
    const carrying = brokerConnection({ id: "C1", serviceId: "S1" });
    const fromCli = brokerConnection({ id: "C2", serviceId: "S9" });
    const rows = connectionRows(
      [
        savedView({ id: "OD1", route: "public", status: "public", connectionId: "C1" }),
        savedView({ id: "OD2" }),
      ],
      [carrying, fromCli],
    );
    assert.deepEqual(
      rows.map((row) =>
        row.kind === "saved" ? [row.view.id, row.broker?.id] : [row.connection.id],
      ),
      [["OD1", "C1"], ["OD2", undefined], ["C2"]],
    );
  });

  it("keeps an unlinked connection of a saved service while active, drops it once ended", () => {
    const rows = connectionRows(
      [savedView({ serviceId: "S1" })],
      [
        brokerConnection({ id: "C1", serviceId: "S1", status: "active" }),
        brokerConnection({ id: "C2", serviceId: "S1", status: "expired" }),
        brokerConnection({ id: "C3", serviceId: "S9", status: "closed" }),
      ],
    );
    assert.deepEqual(
      rows.flatMap((row) => (row.kind === "broker" ? [row.connection.id] : [])),
      ["C1", "C3"],
    );
  });

  it("is empty for nothing saved and nothing open", () => {
    assert.deepEqual(connectionRows([], []), []);
  });
});
