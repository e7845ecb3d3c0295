// The tray icon and its menu, rebuilt from the pure trayMenu(state) on every change and
// each minute (for the countdowns). Kept at module level so it is never collected.
import { join } from "node:path";
import { Menu, type MenuItemConstructorOptions, nativeImage, Tray } from "electron";
import type { DesktopState } from "../../common/desktop-api.js";
import { type TrayAction, type TrayItem, trayMenu } from "../core/tray-menu.js";

let tray: Tray | null = null;

export function createTray(
  assetsDir: string,
  onAction: (action: TrayAction) => void,
): {
  update(state: DesktopState): void;
  /** The items last shown (for the e2e hooks). */
  items(): TrayItem[];
} {
  const icon =
    process.platform === "darwin"
      ? nativeImage.createFromPath(join(assetsDir, "trayTemplate.png"))
      : nativeImage.createFromPath(
          join(assetsDir, process.platform === "win32" ? "tray.ico" : "tray.png"),
        );
  if (process.platform === "darwin") icon.setTemplateImage(true);
  tray = new Tray(icon);
  tray.setToolTip("Reach");
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
  return {
    update(state) {
      shown = trayMenu(state, Date.now());
      tray?.setContextMenu(Menu.buildFromTemplate(shown.map(toElectron)));
    },
    items: () => shown,
  };
}
