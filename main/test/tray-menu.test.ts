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
      menu.find((i) => i.label?.startsWith("shell — 127.0.0.1")),
      undefined,
      "expired connections are not offered",
    );
    assert.deepEqual(
      menu.slice(-2).map((i) => i.action),
      [{ kind: "show-window" }, { kind: "quit" }],
    );
    assert.ok(menu.some((i) => i.label === "Disconnect all"));
  });

  it("offers only Open Reach and Quit when signed out", () => {
    const menu = trayMenu({ ...state, session: { signedIn: false } }, now);
    assert.deepEqual(
      menu.map((i) => i.label ?? i.type),
      ["Not signed in", "separator", "Open Reach", "Quit"],
    );
  });
});
