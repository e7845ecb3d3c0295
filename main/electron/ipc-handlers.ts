// DesktopApi over ipcMain.handle: one channel per method, every sender checked against the
// app's own page, every payload validated by the contract's schema (in dispatch).
import { type IpcMainInvokeEvent, ipcMain } from "electron";
import { desktopApiInputs } from "../../common/desktop-api.js";
import { dispatch } from "../core/api-dispatch.js";
import type { DesktopCore } from "../core/desktop-core.js";
import { isAppUrl } from "./app-url.js";

export const IPC_PREFIX = "reach:";
export const IPC_EVENT_CHANNEL = "reach:event";

function fromOurPage(event: IpcMainInvokeEvent): boolean {
  return isAppUrl(event.senderFrame?.url) && event.senderFrame === event.sender.mainFrame;
}

export function registerIpcHandlers(core: DesktopCore): void {
  for (const method of Object.keys(desktopApiInputs)) {
    ipcMain.handle(`${IPC_PREFIX}${method}`, async (event, input: unknown) => {
      if (!fromOurPage(event)) {
        return { ok: false, error: { code: "FORBIDDEN", message: "This page may not use Reach." } };
      }
      return dispatch(core, method, input);
    });
  }
}
