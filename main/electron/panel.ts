// The tray panel: made on first use, placed by the pure panelBounds() next to the icon (or
// in the work area's corner nearest the taskbar where the tray cannot say where it is),
// hidden when it loses focus. The window itself comes from window.ts.
import { type BrowserWindow, type Rectangle, screen } from "electron";
import { panelBounds } from "../core/panel-position.js";
import { createPanelWindow, PANEL_SIZE } from "./window.js";

/**
 * Clicking the icon of an open panel first blurs it (hiding it), then delivers the click:
 * a click this soon after a blur-hide means "close", not "open again".
 */
const CLICK_AFTER_BLUR_MS = 300;

export interface Panel {
  /** Opens the panel by the icon at `icon` (Tray.getBounds()), or closes it if open. */
  toggle(icon: Rectangle): void;
  /** Hides it (the full window is opening; a blur may not come where focus is not given). */
  hide(): void;
  /** The panel's window once made, for sending it state events. */
  window(): BrowserWindow | null;
}

export function createPanel(preload: string): Panel {
  let panel: BrowserWindow | null = null;
  let hiddenByBlurAt = 0;
  const make = (): BrowserWindow => {
    const made = createPanelWindow(preload);
    made.on("blur", () => {
      if (!made.isVisible()) return;
      hiddenByBlurAt = Date.now();
      made.hide();
    });
    return made;
  };
  return {
    toggle(icon) {
      if (panel?.isVisible()) {
        panel.hide();
        return;
      }
      if (Date.now() - hiddenByBlurAt < CLICK_AFTER_BLUR_MS) return;
      if (!panel || panel.isDestroyed()) panel = make();
      // Linux reports an empty rectangle: take the display under the pointer instead.
      const known = icon.width > 0 && icon.height > 0;
      const display = known
        ? screen.getDisplayMatching(icon)
        : screen.getDisplayNearestPoint(screen.getCursorScreenPoint());
      panel.setBounds(
        panelBounds({
          size: PANEL_SIZE,
          icon,
          workArea: display.workArea,
          screen: display.bounds,
          platform: process.platform,
        }),
      );
      panel.show();
      panel.focus();
    },
    hide() {
      if (panel && !panel.isDestroyed()) panel.hide();
    },
    window: () => (panel && !panel.isDestroyed() ? panel : null),
  };
}
