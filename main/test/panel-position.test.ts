import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PANEL_GAP, panelBounds, type Rect, taskbarEdge } from "../core/panel-position.js";

const screen: Rect = { x: 0, y: 0, width: 1920, height: 1080 };
const size = { width: 380, height: 600 };
const empty: Rect = { x: 0, y: 0, width: 0, height: 0 };

describe("taskbar edge", () => {
  it("is the side where the work area stops short of the screen", () => {
    assert.equal(taskbarEdge({ x: 0, y: 32, width: 1920, height: 1048 }, screen), "top");
    assert.equal(taskbarEdge({ x: 0, y: 0, width: 1920, height: 1040 }, screen), "bottom");
    assert.equal(taskbarEdge({ x: 64, y: 0, width: 1856, height: 1080 }, screen), "left");
    assert.equal(taskbarEdge({ x: 0, y: 0, width: 1856, height: 1080 }, screen), "right");
  });

  it("is the widest side when there are several panels, and none without one", () => {
    // GNOME with a dock: a 32 px top bar and a 64 px dock on the left.
    assert.equal(taskbarEdge({ x: 64, y: 32, width: 1856, height: 1048 }, screen), "left");
    assert.equal(taskbarEdge(screen, screen), null);
  });

  it("works on a second display whose origin is not 0,0", () => {
    const second: Rect = { x: 1920, y: -200, width: 1280, height: 1024 };
    assert.equal(taskbarEdge({ x: 1920, y: -200, width: 1280, height: 984 }, second), "bottom");
  });
});

describe("panel bounds", () => {
  it("hangs below a macOS menu-bar icon, centred on it", () => {
    const workArea = { x: 0, y: 25, width: 1920, height: 1055 };
    const icon = { x: 1500, y: 0, width: 24, height: 24 };
    const bounds = panelBounds({ size, icon, workArea, screen, platform: "darwin" });
    assert.deepEqual(bounds, { x: 1512 - 190, y: 25 + PANEL_GAP, width: 380, height: 600 });
  });

  it("stands above a Windows taskbar icon, centred on it", () => {
    const workArea = { x: 0, y: 0, width: 1920, height: 1040 };
    const icon = { x: 1000, y: 1045, width: 32, height: 32 };
    const bounds = panelBounds({ size, icon, workArea, screen, platform: "win32" });
    assert.deepEqual(bounds, { x: 1016 - 190, y: 1040 - 600 - PANEL_GAP, width: 380, height: 600 });
  });

  it("stays inside the work area when the icon is near the screen's corner", () => {
    const workArea = { x: 0, y: 0, width: 1920, height: 1040 };
    const icon = { x: 1900, y: 1045, width: 20, height: 32 };
    const bounds = panelBounds({ size, icon, workArea, screen, platform: "win32" });
    assert.equal(bounds.x, 1920 - 380);
    const left = panelBounds({
      size,
      icon: { ...icon, x: 2 },
      workArea,
      screen,
      platform: "win32",
    });
    assert.equal(left.x, 0);
  });

  it("sits beside a Windows taskbar on the left or right, level with the icon", () => {
    const onLeft = { x: 64, y: 0, width: 1856, height: 1080 };
    const icon = { x: 16, y: 900, width: 32, height: 32 };
    assert.deepEqual(panelBounds({ size, icon, workArea: onLeft, screen, platform: "win32" }), {
      x: 64 + PANEL_GAP,
      y: 1080 - 600, // centred on the icon would run off the bottom: clamped
      width: 380,
      height: 600,
    });
    const onRight = { x: 0, y: 0, width: 1856, height: 1080 };
    const rightIcon = { x: 1872, y: 400, width: 32, height: 32 };
    assert.deepEqual(
      panelBounds({ size, icon: rightIcon, workArea: onRight, screen, platform: "win32" }),
      { x: 1856 - 380 - PANEL_GAP, y: 416 - 300, width: 380, height: 600 },
    );
  });

  it("goes to the top-right of the work area under a Linux top panel (no icon bounds)", () => {
    const workArea = { x: 0, y: 32, width: 1920, height: 1048 };
    for (const icon of [empty, null]) {
      assert.deepEqual(panelBounds({ size, icon, workArea, screen, platform: "linux" }), {
        x: 1920 - 380 - PANEL_GAP,
        y: 32 + PANEL_GAP,
        width: 380,
        height: 600,
      });
    }
  });

  it("goes to the bottom-right above a Linux bottom panel", () => {
    const workArea = { x: 0, y: 0, width: 1920, height: 1036 };
    assert.deepEqual(panelBounds({ size, icon: empty, workArea, screen, platform: "linux" }), {
      x: 1920 - 380 - PANEL_GAP,
      y: 1036 - 600 - PANEL_GAP,
      width: 380,
      height: 600,
    });
  });

  it("goes to the bottom corner beside a vertical Linux panel", () => {
    const onLeft = { x: 48, y: 0, width: 1872, height: 1080 };
    const left = panelBounds({ size, icon: empty, workArea: onLeft, screen, platform: "linux" });
    assert.deepEqual([left.x, left.y], [48 + PANEL_GAP, 1080 - 600 - PANEL_GAP]);
    const onRight = { x: 0, y: 0, width: 1872, height: 1080 };
    const right = panelBounds({ size, icon: empty, workArea: onRight, screen, platform: "linux" });
    assert.deepEqual([right.x, right.y], [1872 - 380 - PANEL_GAP, 1080 - 600 - PANEL_GAP]);
  });

  it("goes to the top-right on Linux when no panel takes space (hidden or none)", () => {
    const bounds = panelBounds({ size, icon: empty, workArea: screen, screen, platform: "linux" });
    assert.deepEqual([bounds.x, bounds.y], [1920 - 380 - PANEL_GAP, PANEL_GAP]);
  });

  it("shrinks to a small work area and stays whole pixels inside it", () => {
    const small: Rect = { x: 0, y: 0, width: 1024, height: 500 };
    const workArea = { x: 0, y: 0, width: 1024, height: 470 };
    const icon = { x: 600.5, y: 473, width: 24.3, height: 24 };
    const bounds = panelBounds({ size, icon, workArea, screen: small, platform: "win32" });
    assert.equal(bounds.height, 470 - 2 * PANEL_GAP);
    assert.ok(bounds.y >= 0 && bounds.y + bounds.height <= 470);
    for (const value of Object.values(bounds)) assert.ok(Number.isInteger(value), String(value));
  });
});
