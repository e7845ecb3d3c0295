import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DesktopState } from "../../common/desktop-api.js";
import { trayMenu } from "../core/tray-menu.js";

const now = Date.parse("2026-11-24T12:00:00Z");

const state: DesktopState = {
  session: {
    signedIn: true,
    email: "me@example.com",
    apiUrl: "http://127.0.0.1:29090/graphql/v1",
    accessKeyId: "AK",
  },
  vault: { backend: "file", encrypted: false, note: "" },
  myIp: "203.0.113.9",
  thisComputer: [],
  onDemand: [
    {
      id: "OD1",
      serviceId: "S1",
      serviceName: "shell",
      deviceName: "laptop",
      application: 28,
      port: 34012,
      p2p: true,
      failover: true,
      idleTimeout: 900,
      address: "127.0.0.1:34012",
      status: "connected",
      path: "p2p",
      reason: null,
      bytesIn: 10,
      bytesOut: 20,
      openSockets: 1,
    },
    {
      id: "OD2",
      serviceId: "S2",
      serviceName: "web",
      deviceName: "laptop",
      application: 7,
      port: 34013,
      p2p: true,
      failover: true,
      idleTimeout: 900,
      address: "127.0.0.1:34013",
      status: "connected",
      path: "relay",
      reason: "P2P did not open in 3 s.",
      bytesIn: 0,
      bytesOut: 0,
      openSockets: 0,
    },
    {
      id: "OD3",
      serviceId: "S1",
      serviceName: "shell",
      deviceName: "laptop",
      application: 28,
      port: 34014,
      p2p: true,
      failover: false,
      idleTimeout: 900,
      address: "127.0.0.1:34014",
      status: "idle",
      path: null,
      reason: null,
      bytesIn: 0,
      bytesOut: 0,
      openSockets: 0,
    },
  ],
  syncedAt: now,
  problem: null,
  devices: [
    {
      id: "80:00:00:00:00:00:00:01",
      name: "laptop",
      online: true,
      services: [
        {
          id: "S1",
          name: "shell",
          type: "SSH",
          application: 28,
          port: 22,
          host: "127.0.0.1",
          online: true,
          web: false,
        },
        {
          id: "S2",
          name: "web",
          type: "HTTP",
          application: 7,
          port: 8080,
          host: "127.0.0.1",
          online: true,
          web: true,
        },
      ],
    },
    { id: "80:00:00:00:00:00:00:02", name: "pi", online: false, services: [] },
  ],
  connections: [
    {
      id: "C1",
      serviceId: "S2",
      serviceName: "web",
      deviceName: "laptop",
      address: "http://abc.p1.localhost:29090",
      url: "http://abc.p1.localhost:29090",
      reverseProxy: true,
      hostIP: "0.0.0.0",
      created: new Date(now - 60_000).toISOString(),
      expiresAt: now - 60_000 + 28_800_000,
      timeout: 28800,
      status: "active",
    },
    {
      id: "C2",
      serviceId: "S1",
      serviceName: "shell",
      deviceName: "laptop",
      address: "127.0.0.1:33012",
      url: "ssh://127.0.0.1:33012",
      reverseProxy: false,
      hostIP: "0.0.0.0",
      created: new Date(now).toISOString(),
      expiresAt: now,
      timeout: 28800,
      status: "expired",
    },
  ],
};

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
