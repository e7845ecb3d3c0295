// The desktop app's settings: one JSON file in its data directory, checked by this schema
// (main/core/settings-store.ts reads and writes it). Browser-safe: the renderer's Settings
// view shows and edits the same shape.
import { z } from "zod";
import { DEFAULT_IDLE_TIMEOUT_S, ROUTES } from "./on-demand.js";

export const desktopSettingsSchema = z.object({
  /** Start the app when the user logs in (Electron's app.setLoginItemSettings). */
  openAtLogin: z.boolean(),
  notifications: z.object({
    /** A public connection expires in 10 minutes. */
    expiring: z.boolean(),
    /** A connection expired or failed. */
    ended: z.boolean(),
    /** A device with open connections went offline or came back. */
    devices: z.boolean(),
  }),
  /** The route a new connection's panel starts on (http/https services start on public). */
  defaultRoute: z.enum(ROUTES),
  /** The idle timeout a new on-demand connection starts with, in minutes; 0 = never. */
  defaultIdleTimeoutMinutes: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60),
  /** Whether headless mode listens on every address (LAN) rather than loopback; its token is still required. */
  headlessLan: z.boolean(),
  /**
   * The terminal a launch command runs in, as a program and its arguments before the
   * command (e.g. "gnome-terminal --"); null = the platform's default.
   */
  terminal: z.string().trim().min(1).max(512).nullable(),
});
export type DesktopSettings = z.infer<typeof desktopSettingsSchema>;

export const DEFAULT_SETTINGS: DesktopSettings = {
  openAtLogin: false,
  notifications: { expiring: true, ended: true, devices: true },
  defaultRoute: "adaptive",
  defaultIdleTimeoutMinutes: DEFAULT_IDLE_TIMEOUT_S / 60,
  headlessLan: false,
  terminal: null,
};

/** A change to some settings: any field may be left out (notifications too, field by field). */
export const settingsChangeInput = desktopSettingsSchema
  .extend({ notifications: desktopSettingsSchema.shape.notifications.partial() })
  .partial()
  .strict();
export type SettingsChange = z.infer<typeof settingsChangeInput>;
