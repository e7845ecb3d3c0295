// Where the tray panel goes: next to the tray icon when the platform reports where the icon
// is (macOS, Windows), else in the corner of the work area nearest the taskbar (Linux, whose
// StatusNotifierItem trays report empty bounds). Pure, so each platform and taskbar edge is
// tested without Electron; the shell passes Electron's Rectangles straight in.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type TaskbarEdge = "top" | "bottom" | "left" | "right";

/** The gap between the panel and the taskbar or the screen's edge. */
export const PANEL_GAP = 8;

/**
 * The edge the taskbar is on: the side where the work area stops short of the screen, the
 * widest such side if several do. Null when the work area is the whole screen (no panel, or
 * one that hides itself).
 */
export function taskbarEdge(workArea: Rect, screen: Rect): TaskbarEdge | null {
  const gaps: [TaskbarEdge, number][] = [
    ["top", workArea.y - screen.y],
    ["bottom", screen.y + screen.height - (workArea.y + workArea.height)],
    ["left", workArea.x - screen.x],
    ["right", screen.x + screen.width - (workArea.x + workArea.width)],
  ];
  let best: [TaskbarEdge, number] | null = null;
  for (const gap of gaps) if (gap[1] > 0 && (best === null || gap[1] > best[1])) best = gap;
  return best?.[0] ?? null;
}

/** The side of the work area a tray icon lies beyond, if it lies outside it (it usually does). */
function edgeOfIcon(icon: Rect, workArea: Rect): TaskbarEdge | null {
  if (icon.y + icon.height <= workArea.y) return "top";
  if (icon.y >= workArea.y + workArea.height) return "bottom";
  if (icon.x + icon.width <= workArea.x) return "left";
  if (icon.x >= workArea.x + workArea.width) return "right";
  return null;
}

/** Where the taskbar is when nothing says: macOS's menu bar is on top, Windows' at the bottom. */
function defaultEdge(platform: string): TaskbarEdge {
  return platform === "win32" ? "bottom" : "top";
}

export interface PanelPlacement {
  /** The panel's wished size; the height shrinks to fit a small work area. */
  size: { width: number; height: number };
  /** Tray.getBounds(): empty (all zero) where the platform cannot say (Linux). */
  icon: Rect | null;
  /** The display's work area (screen minus taskbars) and its whole bounds. */
  workArea: Rect;
  screen: Rect;
  platform: string;
}

/** The panel's bounds in screen coordinates, whole pixels, always inside the work area. */
export function panelBounds(placement: PanelPlacement): Rect {
  const { icon, workArea, screen, platform } = placement;
  const width = Math.min(placement.size.width, workArea.width);
  const height = Math.min(placement.size.height, workArea.height - 2 * PANEL_GAP);
  const known = icon !== null && icon.width > 0 && icon.height > 0;
  const edge =
    (known ? edgeOfIcon(icon, workArea) : null) ??
    taskbarEdge(workArea, screen) ??
    defaultEdge(platform);
  const right = workArea.x + workArea.width;
  const bottom = workArea.y + workArea.height;
  let x: number;
  let y: number;
  if (known) {
    // Centred on the icon along the taskbar, just off the taskbar across it.
    const centreX = icon.x + icon.width / 2 - width / 2;
    const centreY = icon.y + icon.height / 2 - height / 2;
    if (edge === "top") [x, y] = [centreX, workArea.y + PANEL_GAP];
    else if (edge === "bottom") [x, y] = [centreX, bottom - height - PANEL_GAP];
    else if (edge === "left") [x, y] = [workArea.x + PANEL_GAP, centreY];
    else [x, y] = [right - width - PANEL_GAP, centreY];
  } else {
    // The tray sits at the right end of a horizontal panel and usually at the bottom of a
    // vertical one, so: top-right, bottom-right, or the bottom corner beside a side panel.
    x = edge === "left" ? workArea.x + PANEL_GAP : right - width - PANEL_GAP;
    y = edge === "top" ? workArea.y + PANEL_GAP : bottom - height - PANEL_GAP;
  }
  return {
    x: Math.round(clamp(x, workArea.x, right - width)),
    y: Math.round(clamp(y, workArea.y, bottom - height)),
    width: Math.round(width),
    height: Math.round(height),
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(value, high));
}
