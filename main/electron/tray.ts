// The tray icon and its menu, rebuilt from the pure trayMenu(state) on every change and
// each minute (for the countdowns); its image and tooltip show trayIconState(state). A
// click opens the panel (onClick); the menu is on right-click on macOS and Windows. Linux
// trays (StatusNotifierItem) show a menu only when one is set, and then deliver a click
// only as "activation", so there the menu is set and a click still opens the panel.
// Kept at module level so it is never collected.
import { join } from "node:path";
import {
  Menu,
  type MenuItemConstructorOptions,
  type NativeImage,
  nativeImage,
  type Rectangle,
  Tray,
} from "electron";
import type { DesktopState } from "../../common/desktop-api.js";
import {
  type TrayIconState,
  trayIconFile,
  trayIconState,
  trayTooltip,
} from "../core/tray-icon-state.js";
import { type TrayAction, type TrayItem, trayMenu } from "../core/tray-menu.js";

let tray: Tray | null = null;

function loadIcon(assetsDir: string, state: TrayIconState): NativeImage {
  // On macOS the name ending in Template (and its @2x sibling) makes it a template image.
  const icon = nativeImage.createFromPath(join(assetsDir, trayIconFile(state, process.platform)));
  if (process.platform === "darwin") icon.setTemplateImage(true);
  return icon;
}

export function createTray(
  assetsDir: string,
  onAction: (action: TrayAction) => void,
  onClick: (icon: Rectangle) => void,
): {
  update(state: DesktopState): void;
  /** The items last shown (for the e2e hooks). */
  items(): TrayItem[];
  /** What the icon shows now (for the e2e hooks). */
  icon(): TrayIconState;
  /** What a click on the icon does, as if clicked (for the e2e hooks). */
  click(): void;
} {
  const created = new Tray(loadIcon(assetsDir, "signed-out"));
  tray = created;
  created.setToolTip("Reach");
  const toElectron = (item: TrayItem): MenuItemConstructorOptions => {
    if (item.type === "separator") return { type: "separator" };
    const action = item.action;
    return {
      label: item.label ?? "",
      enabled: item.enabled ?? true,
      ...(item.checked !== undefined ? { type: "radio" as const, checked: item.checked } : {}),
      ...(item.submenu ? { submenu: item.submenu.map(toElectron) } : {}),
      ...(action ? { click: () => onAction(action) } : {}),
    };
  };
  let shown: TrayItem[] = [];
  let menu = Menu.buildFromTemplate([]);
  let iconState: TrayIconState = "signed-out";
  const click = () => onClick(created.getBounds());
  created.on("click", (_event, bounds) => onClick(bounds));
  if (process.platform !== "linux") created.on("right-click", () => created.popUpContextMenu(menu));
  return {
    update(state) {
      shown = trayMenu(state, Date.now());
      menu = Menu.buildFromTemplate(shown.map(toElectron));
      if (process.platform === "linux") tray?.setContextMenu(menu);
      const next = trayIconState(state);
      if (next !== iconState) tray?.setImage(loadIcon(assetsDir, next));
      iconState = next;
      tray?.setToolTip(trayTooltip(state));
    },
    items: () => shown,
    icon: () => iconState,
    click,
  };
}
