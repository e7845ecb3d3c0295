// Electron's IPC channels of the DesktopApi. Apart from desktop-api.ts because the sandboxed
// preload bundles whatever it imports: from here it carries two strings, from there it
// would carry zod and every schema (about 760 KB instead of 1 KB).
import type { DesktopMethod } from "./desktop-api.js";

/** Each method's channel is this prefix and the method's name. */
export const IPC_PREFIX = "reach:";
/** The channel pushed DesktopEvents reach the page on. */
export const IPC_EVENT_CHANNEL = "reach:event";

export function ipcChannelOf(method: DesktopMethod): string {
  return `${IPC_PREFIX}${method}`;
}
