// Each tray action as the core calls (or shell effects) it becomes, recorded by a core that
// answers from the sample state.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fail, ok } from "../../common/result.js";
import { runTrayAction, type TrayCore, type TrayShell } from "../core/tray-actions.js";
import type { TrayAction } from "../core/tray-menu.js";
import { state } from "./sample-state.js";

/** Runs one action; returns every core call and shell effect, in order. */
async function run(action: TrayAction): Promise<unknown[][]> {
  const calls: unknown[][] = [];
  const core: TrayCore = {
    snapshot: () => state,
    connect: async (input) => {
      calls.push(["connect", input]);
      // The tray does not look at what a connect answers.
      return fail("UNAVAILABLE", "Not a real broker.");
    },
    copyText: async (input) => {
      calls.push(["copyText", input]);
      return ok(true);
    },
    openExternal: async (input) => {
      calls.push(["openExternal", input]);
      return ok(true);
    },
    disconnect: async (input) => {
      calls.push(["disconnect", input]);
      return ok(true);
    },
    disconnectAll: async () => {
      calls.push(["disconnectAll"]);
      return ok(1);
    },
    stop: async () => {
      calls.push(["stop"]);
    },
  };
  const shell: TrayShell = {
    showWindow: () => calls.push(["showWindow"]),
    quit: () => calls.push(["quit"]),
  };
  await runTrayAction(core, shell, action);
  return calls;
}

describe("tray actions", () => {
  it("connects with the item's service and hostIP", async () => {
    assert.deepEqual(await run({ kind: "connect", serviceId: "S1", hostIP: "203.0.113.9" }), [
      ["connect", { serviceId: "S1", hostIP: "203.0.113.9" }],
    ]);
  });

  it("copies a connection's address and opens its URL", async () => {
    assert.deepEqual(await run({ kind: "copy", connectionId: "C1" }), [
      ["copyText", { text: "http://abc.p1.localhost:29090" }],
    ]);
    assert.deepEqual(await run({ kind: "open", connectionId: "C1" }), [
      ["openExternal", { url: "http://abc.p1.localhost:29090" }],
    ]);
  });

  it("does nothing for a connection or on-demand entry that is gone", async () => {
    assert.deepEqual(await run({ kind: "copy", connectionId: "gone" }), []);
    assert.deepEqual(await run({ kind: "open", connectionId: "gone" }), []);
    assert.deepEqual(await run({ kind: "copy-on-demand", id: "gone" }), []);
  });

  it("copies an on-demand connection's launch text", async () => {
    assert.deepEqual(await run({ kind: "copy-on-demand", id: "OD1" }), [
      ["copyText", { text: "ssh -p 34012 user@127.0.0.1" }],
    ]);
  });

  it("disconnects one or all", async () => {
    assert.deepEqual(await run({ kind: "disconnect", connectionId: "C1" }), [
      ["disconnect", { connectionId: "C1" }],
    ]);
    assert.deepEqual(await run({ kind: "disconnect-all" }), [["disconnectAll"]]);
  });

  it("hands showing the window and quitting to the shell, stopping the core first", async () => {
    assert.deepEqual(await run({ kind: "show-window" }), [["showWindow"]]);
    assert.deepEqual(await run({ kind: "quit" }), [["stop"], ["quit"]]);
  });
});
