// What the tray icon shows at a glance, as a pure function of state: a problem (the last
// sync failed, live updates lost, a saved connection failed), connections open, or idle.
// The shell picks the image and tooltip from these; nothing here knows about Electron.
import type { DesktopState } from "../../common/desktop-api.js";

export type TrayIconState = "signed-out" | "idle" | "connected" | "problem";

/** The drawn variants (scripts/make-icons.ts); signed out looks idle, the tooltip says why. */
export type TrayIconVariant = "idle" | "connected" | "problem";

/** Why the icon shows a problem, in one sentence; null when it does not. */
export function trayProblem(state: DesktopState): string | null {
  if (state.problem) return state.problem.message;
  if (state.live.mode === "polling") return state.live.note ?? "Live updates lost.";
  const failed = state.onDemand.find((view) => view.status === "failed");
  if (failed) return `${failed.name} failed${failed.reason ? `: ${failed.reason}` : "."}`;
  return null;
}

/** How many connections are open: active broker connections and connected saved ones. */
export function openConnections(state: DesktopState): number {
  const carried = new Set(state.onDemand.map((view) => view.connectionId).filter(Boolean));
  const broker = state.connections.filter((c) => c.status === "active" && !carried.has(c.id));
  const saved = state.onDemand.filter((v) => v.status === "connected" || v.status === "public");
  return broker.length + saved.length;
}

export function trayIconState(state: DesktopState): TrayIconState {
  // A problem comes first: it is what the user has to act on.
  if (trayProblem(state) !== null) return "problem";
  if (!state.session.signedIn) return "signed-out";
  return openConnections(state) > 0 ? "connected" : "idle";
}

export function trayIconVariant(icon: TrayIconState): TrayIconVariant {
  return icon === "signed-out" ? "idle" : icon;
}

/** The image file in assets/: template PNGs on macOS (it tints them), .ico on Windows, else PNG. */
export function trayIconFile(icon: TrayIconState, platform: string): string {
  const variant = trayIconVariant(icon);
  if (platform === "darwin") return `tray-${variant}Template.png`;
  return platform === "win32" ? `tray-${variant}.ico` : `tray-${variant}.png`;
}

export function trayTooltip(state: DesktopState): string {
  const problem = trayProblem(state);
  if (problem !== null) return `Reach: ${problem}`;
  if (!state.session.signedIn) return "Reach: not signed in";
  const open = openConnections(state);
  if (open === 0) return "Reach: no connection open";
  return `Reach: ${open} connection${open === 1 ? "" : "s"} open`;
}
