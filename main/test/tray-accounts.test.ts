// The tray's account switcher: every profile of the credentials file, the signed-in one
// ticked, a click switching to it (runTrayAction against a real core: accounts.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { trayMenu } from "../core/tray-menu.js";
import { now, state } from "./sample-state.js";

describe("tray account switcher", () => {
  const accounts = { profiles: ["work", "home"], active: "home" };

  it("lists every profile under Switch account, the active one checked", () => {
    const menu = trayMenu({ ...state, accounts }, now);
    assert.equal(menu[0]?.label, "Signed in as me@example.com");
    const switcher = menu[1];
    assert.equal(switcher?.label, "Switch account");
    assert.deepEqual(
      switcher?.submenu?.map((item) => [item.label, item.checked, item.action]),
      [
        ["work", false, { kind: "switch-account", profile: "work" }],
        ["home", true, { kind: "switch-account", profile: "home" }],
      ],
    );
  });

  it("offers the profiles when signed out too, none checked", () => {
    const menu = trayMenu(
      { ...state, session: { signedIn: false }, accounts: { ...accounts, active: null } },
      now,
    );
    assert.deepEqual(
      menu.map((item) => item.label ?? item.type),
      ["Not signed in", "Switch account", "separator", "Open Reach", "Quit"],
    );
    assert.deepEqual(
      menu[1]?.submenu?.map((item) => item.checked),
      [false, false],
    );
  });

  it("has no switcher without profiles", () => {
    const menu = trayMenu(state, now);
    assert.equal(
      menu.find((item) => item.label === "Switch account"),
      undefined,
    );
  });
});
