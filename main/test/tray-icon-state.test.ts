import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { DesktopState } from "../../common/desktop-api.js";
import {
  openConnections,
  type TrayIconState,
  trayIconFile,
  trayIconState,
  trayTooltip,
} from "../core/tray-icon-state.js";
import { state } from "./sample-state.js";

/** The sample state with nothing open: saved connections idle, broker connections expired. */
const quiet: DesktopState = {
  ...state,
  onDemand: state.onDemand.map((view) => ({ ...view, status: "idle" as const })),
  connections: state.connections.map((c) => ({ ...c, status: "expired" as const })),
};

describe("tray icon state", () => {
  it("is signed-out before sign-in", () => {
    const signedOut: DesktopState = {
      ...quiet,
      session: { signedIn: false },
      onDemand: [],
      connections: [],
      live: { mode: "off", note: null, nextSyncAt: null },
    };
    assert.equal(trayIconState(signedOut), "signed-out");
    assert.equal(trayTooltip(signedOut), "Reach: not signed in");
  });

  it("is idle signed in with nothing open", () => {
    assert.equal(trayIconState(quiet), "idle");
    assert.equal(openConnections(quiet), 0);
    assert.equal(trayTooltip(quiet), "Reach: no connection open");
  });

  it("is connected with a saved connection connected, public, or a broker connection active", () => {
    // The sample has two saved connections connected and one active proxy from elsewhere.
    assert.equal(trayIconState(state), "connected");
    assert.equal(trayTooltip(state), "Reach: 3 connections open");
    const [first, ...rest] = quiet.onDemand;
    if (!first) throw new Error("the sample has saved connections");
    const publicOne = { ...quiet, onDemand: [{ ...first, status: "public" as const }, ...rest] };
    assert.equal(trayIconState(publicOne), "connected");
    assert.equal(trayTooltip(publicOne), "Reach: 1 connection open");
    const [c1, ...others] = quiet.connections;
    if (!c1) throw new Error("the sample has connections");
    const proxy = { ...quiet, connections: [{ ...c1, status: "active" as const }, ...others] };
    assert.equal(trayIconState(proxy), "connected");
  });

  it("counts a broker connection a saved one carries once", () => {
    const [first, ...rest] = state.onDemand;
    const [c1, ...others] = state.connections;
    if (!first || !c1) throw new Error("the sample has both kinds");
    const carried: DesktopState = {
      ...quiet,
      onDemand: [
        { ...first, status: "public", connectionId: c1.id },
        ...rest.map((v) => ({ ...v, status: "idle" as const })),
      ],
      connections: [{ ...c1, status: "active" }, ...others],
    };
    assert.equal(openConnections(carried), 1);
  });

  it("is problem when the last sync failed, even with connections open", () => {
    const failed = {
      ...state,
      problem: { code: "UNREACHABLE", message: "The broker did not answer." },
    };
    assert.equal(trayIconState(failed), "problem");
    assert.equal(trayTooltip(failed), "Reach: The broker did not answer.");
  });

  it("is problem while live updates are lost and the core polls", () => {
    const polling = {
      ...quiet,
      live: {
        mode: "polling" as const,
        note: "Live updates lost (closed); re-syncing every 5 s.",
        nextSyncAt: null,
      },
    };
    assert.equal(trayIconState(polling), "problem");
    assert.equal(trayTooltip(polling), "Reach: Live updates lost (closed); re-syncing every 5 s.");
  });

  it("is problem when a saved connection failed, and says which", () => {
    const [first, ...rest] = quiet.onDemand;
    if (!first) throw new Error("the sample has saved connections");
    const failed: DesktopState = {
      ...quiet,
      onDemand: [{ ...first, status: "failed", reason: "The device is offline." }, ...rest],
    };
    assert.equal(trayIconState(failed), "problem");
    assert.equal(trayTooltip(failed), `Reach: ${first.name} failed: The device is offline.`);
  });

  it("picks a template PNG on macOS, an .ico on Windows and a PNG elsewhere", () => {
    assert.equal(trayIconFile("connected", "darwin"), "tray-connectedTemplate.png");
    assert.equal(trayIconFile("problem", "win32"), "tray-problem.ico");
    assert.equal(trayIconFile("idle", "linux"), "tray-idle.png");
    assert.equal(trayIconFile("signed-out", "linux"), "tray-idle.png");
  });

  it("has every image it names in assets/ (drawn by scripts/make-icons.ts)", () => {
    const states: TrayIconState[] = ["signed-out", "idle", "connected", "problem"];
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    for (const icon of states) {
      for (const platform of ["darwin", "win32", "linux"]) {
        const file = trayIconFile(icon, platform);
        const data = readFileSync(join("assets", file));
        // An .ico starts 0,0,1,0 (reserved, type icon); its images inside are PNGs.
        const head = file.endsWith(".ico") ? Buffer.from([0, 0, 1, 0]) : png;
        assert.deepEqual(data.subarray(0, 4), head, file);
        if (platform === "darwin") {
          readFileSync(join("assets", file.replace(".png", "@2x.png")));
        }
      }
    }
  });
});
