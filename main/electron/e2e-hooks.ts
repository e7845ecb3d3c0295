// What e2e/electron.test.ts reads from the main process that no window shows: the tray's
// items, icon and tooltip, the notifications asked for, and a way to click the tray icon
// (a test cannot reach the system tray). Put on globalThis only when REACH_E2E=1 (the spec
// sets it), so a normal run exposes nothing.
import type { NoticeAction } from "../../common/desktop-api.js";
import type { TrayIconState } from "../core/tray-icon-state.js";
import type { TrayAction, TrayItem } from "../core/tray-menu.js";

export interface E2eHooks {
  trayItems: () => TrayItem[];
  /** What the tray icon shows now. */
  trayIcon: () => TrayIconState;
  /** Runs the tray icon's click handler, as a click on the icon would. */
  clickTray: () => void;
  /** Runs a tray menu item's action, as choosing it would. */
  runTrayAction: (action: TrayAction) => void;
  notices: { title: string; body: string; action?: NoticeAction }[];
}

export const E2E_HOOKS_KEY = "__reachE2e";

export function installE2eHooks(hooks: Omit<E2eHooks, "notices">): E2eHooks | null {
  if (process.env.REACH_E2E !== "1") return null;
  const installed: E2eHooks = { ...hooks, notices: [] };
  (globalThis as Record<string, unknown>)[E2E_HOOKS_KEY] = installed;
  return installed;
}
