// What e2e/electron.test.ts reads from the main process that no window shows: the tray's
// items and the notifications asked for. Put on globalThis only when REACH_E2E=1 (the spec
// sets it), so a normal run exposes nothing.
import type { NoticeAction } from "../../common/desktop-api.js";
import type { TrayItem } from "../core/tray-menu.js";

export interface E2eHooks {
  trayItems: () => TrayItem[];
  notices: { title: string; body: string; action?: NoticeAction }[];
}

export const E2E_HOOKS_KEY = "__reachE2e";

export function installE2eHooks(trayItems: () => TrayItem[]): E2eHooks | null {
  if (process.env.REACH_E2E !== "1") return null;
  const hooks: E2eHooks = { trayItems, notices: [] };
  (globalThis as Record<string, unknown>)[E2E_HOOKS_KEY] = hooks;
  return hooks;
}
