// DesktopApi over ipcMain.handle: one channel per method, every sender checked against the
// app's own page, every payload validated by the contract's schema (in dispatch).
import { type IpcMainInvokeEvent, ipcMain } from "electron";
import { type DesktopMethod, desktopApiInputs } from "../../common/desktop-api.js";
import { ipcChannelOf } from "../../common/desktop-ipc.js";
import { fail } from "../../common/result.js";
import { dispatch } from "../core/api-dispatch.js";
import type { DesktopCore } from "../core/desktop-core.js";
import { isAppUrl } from "./app-url.js";

function fromOurPage(event: IpcMainInvokeEvent): boolean {
  return isAppUrl(event.senderFrame?.url) && event.senderFrame === event.sender.mainFrame;
}

export function registerIpcHandlers(core: DesktopCore): void {
  for (const method of Object.keys(desktopApiInputs) as DesktopMethod[]) {
    ipcMain.handle(ipcChannelOf(method), async (event, input: unknown) => {
      if (!fromOurPage(event)) return fail("FORBIDDEN", "This page may not use Reach.");
      return dispatch(core, method, input);
    });
  }
}
