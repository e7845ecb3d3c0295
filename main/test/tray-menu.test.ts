import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { trayMenu } from "../core/tray-menu.js";
import { now, state } from "./sample-state.js";

describe("tray menu", () => {
  it("shows the account, devices with their services, and the hostIP modes", () => {
    const menu = trayMenu(state, now);
    assert.equal(menu[0]?.label, "Signed in as me@example.com");
    const laptop = menu.find((i) => i.label === "laptop");
    const shell = laptop?.submenu?.find((i) => i.label === "shell — SSH 22");
    assert.deepEqual(
      shell?.submenu?.map((i) => [i.label, i.action]),
      [
        ["Connect — Public", { kind: "connect", serviceId: "S1", hostIP: "0.0.0.0" }],
        [
          "Connect — Restricted to my IP",
          { kind: "connect", serviceId: "S1", hostIP: "203.0.113.9" },
        ],
        ["Connect — Latching", { kind: "connect", serviceId: "S1", hostIP: "255.255.255.255" }],
      ],
    );
    const web = laptop?.submenu?.find((i) => i.label === "web — HTTP 8080");
    assert.deepEqual(
      web?.submenu?.map((i) => i.label),
      ["Connect (public link)"],
    );
    assert.ok(menu.some((i) => i.label === "pi (offline)"));
  });

  it("lists active connections with copy, open, disconnect and the time left", () => {
    const menu = trayMenu(state, now);
    const connection = menu.find((i) => i.label === "web — http://abc.p1.localhost:29090");
    assert.deepEqual(
      connection?.submenu?.map((i) => i.label),
      ["Copy URL", "Open", "Disconnect", "expires in 7h 59m"],
    );
    assert.equal(
      menu.find((i) => i.label === "shell — 127.0.0.1:33012"),
      undefined,
      "expired connections are not offered",
    );
    assert.deepEqual(
      menu.slice(-2).map((i) => i.action),
      [{ kind: "show-window" }, { kind: "quit" }],
    );
    assert.ok(menu.some((i) => i.label === "Disconnect all"));
  });

  it("lists on-demand connections with their address and path; a click copies", () => {
    const menu = trayMenu(state, now);
    const start = menu.findIndex((i) => i.label === "On demand");
    assert.ok(start > 0);
    assert.equal(menu[start]?.enabled, false, "a heading, not an action");
    assert.deepEqual(
      menu.slice(start + 1, start + 4).map((i) => [i.label, i.action]),
      [
        ["shell — 127.0.0.1:34012 (P2P)", { kind: "copy-on-demand", id: "OD1" }],
        ["web — 127.0.0.1:34013 (Proxy)", { kind: "copy-on-demand", id: "OD2" }],
        ["shell — 127.0.0.1:34014 (idle)", { kind: "copy-on-demand", id: "OD3" }],
      ],
    );
    const none = trayMenu({ ...state, onDemand: [] }, now);
    assert.equal(
      none.find((i) => i.label === "On demand"),
      undefined,
      "no section without any",
    );
  });

  it("offers only Open Reach and Quit when signed out", () => {
    const menu = trayMenu({ ...state, session: { signedIn: false } }, now);
    assert.deepEqual(
      menu.map((i) => i.label ?? i.type),
      ["Not signed in", "separator", "Open Reach", "Quit"],
    );
  });
});
