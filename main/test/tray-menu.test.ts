import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_SETTINGS } from "../../common/desktop-settings.js";
import { type TrayItem, trayMenu } from "../core/tray-menu.js";
import { now, state } from "./sample-state.js";

const labelled = (menu: TrayItem[], label: string) => menu.find((i) => i.label === label);

describe("tray menu", () => {
  it("offers one Connect… per service, on the default route and public for web", () => {
    const menu = trayMenu(state, now);
    assert.equal(menu[0]?.label, "Signed in as me@example.com");
    const laptop = labelled(menu, "laptop");
    assert.deepEqual(
      laptop?.submenu?.map((service) => [
        service.label,
        service.submenu?.map((i) => [i.label, i.action]),
      ]),
      [
        [
          "shell — SSH 22",
          [
            [
              "Connect… (Adaptive)",
              { kind: "connect-service", serviceId: "S1", route: "adaptive" },
            ],
          ],
        ],
        [
          "web — HTTP 8080",
          [
            [
              "Connect… (Public proxy)",
              { kind: "connect-service", serviceId: "S2", route: "public" },
            ],
          ],
        ],
      ],
    );
    const proxyFirst = trayMenu(
      { ...state, settings: { ...DEFAULT_SETTINGS, defaultRoute: "proxy" } },
      now,
    );
    assert.deepEqual(
      labelled(proxyFirst, "laptop")?.submenu?.map((s) => s.submenu?.[0]?.label),
      ["Connect… (Proxy only)", "Connect… (Public proxy)"],
      "the default route follows the settings, but web services stay public",
    );
    assert.ok(labelled(menu, "pi (offline)"));
  });

  it("lists the saved connections in the window's words, each with Connect or Disconnect, Copy and Launch", () => {
    const menu = trayMenu(state, now);
    const start = menu.findIndex((i) => i.label === "Connections");
    assert.ok(start > 0);
    assert.equal(menu[start]?.enabled, false, "a heading, not an action");
    assert.deepEqual(
      menu.slice(start + 1, start + 4).map((i) => i.label),
      [
        "shell — 127.0.0.1:34012 (connected P2P)",
        "web — 127.0.0.1:34013 (connected via proxy)",
        "shell — 127.0.0.1:34014 (idle)",
      ],
    );
    assert.deepEqual(
      menu[start + 1]?.submenu?.map((i) => [i.label, i.action]),
      [
        ["Disconnect", { kind: "stop-on-demand", id: "OD1" }],
        ["Copy", { kind: "copy-on-demand", id: "OD1" }],
        ["Launch", { kind: "launch-on-demand", id: "OD1" }],
      ],
    );
    const off = trayMenu(
      { ...state, onDemand: state.onDemand.map((v) => ({ ...v, status: "off" as const })) },
      now,
    );
    assert.deepEqual(labelled(off, "shell — 127.0.0.1:34012 (off)")?.submenu?.[0]?.action, {
      kind: "start-on-demand",
      id: "OD1",
    });
  });

  it("shows a public connection's proxy address and countdown once it is up", () => {
    const [first] = state.onDemand;
    assert.ok(first);
    const waiting = { ...first, id: "OD9", route: "public" as const, status: "idle" as const };
    const up = {
      ...waiting,
      status: "public" as const,
      address: "127.0.0.1:33050",
      connectionId: "C1",
    };
    const before = trayMenu({ ...state, onDemand: [waiting] }, now);
    assert.deepEqual(labelled(before, "shell (idle)")?.submenu?.[0]?.label, "Connect");
    const menu = trayMenu({ ...state, onDemand: [up] }, now);
    assert.deepEqual(
      labelled(menu, "shell — 127.0.0.1:33050 (public)")?.submenu?.map((i) => i.label),
      ["Disconnect", "Copy", "Launch", "expires in 7h 59m"],
    );
    assert.equal(
      labelled(menu, "web — http://abc.p1.localhost:29090"),
      undefined,
      "the broker connection carrying it is not listed twice",
    );
  });

  it("lists broker connections made elsewhere with copy, open, disconnect and the time left", () => {
    const menu = trayMenu(state, now);
    const connection = labelled(menu, "web — http://abc.p1.localhost:29090");
    assert.deepEqual(
      connection?.submenu?.map((i) => i.label),
      ["Copy URL", "Open", "Disconnect", "expires in 7h 59m"],
    );
    assert.equal(
      labelled(menu, "shell — 127.0.0.1:33012"),
      undefined,
      "expired connections are not offered",
    );
    assert.ok(labelled(menu, "Disconnect all proxies"));
    assert.deepEqual(
      menu.slice(-2).map((i) => i.action),
      [{ kind: "show-window" }, { kind: "quit" }],
    );
    const none = trayMenu({ ...state, onDemand: [], connections: [] }, now);
    assert.equal(labelled(none, "Connections"), undefined, "no section without any");
  });

  it("offers only Open Reach and Quit when signed out", () => {
    const menu = trayMenu({ ...state, session: { signedIn: false } }, now);
    assert.deepEqual(
      menu.map((i) => i.label ?? i.type),
      ["Not signed in", "separator", "Open Reach", "Quit"],
    );
  });
});
