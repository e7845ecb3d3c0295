// Exposes exactly the DesktopApi to the sandboxed renderer, each method a named function
// over its own IPC channel, plus a subscription to pushed events. No raw ipcRenderer.
import { contextBridge, type IpcRendererEvent, ipcRenderer } from "electron";
import type { DesktopEvent } from "../common/desktop-api.js";

const invoke = (method: string) => (input: object) => ipcRenderer.invoke(`reach:${method}`, input);

contextBridge.exposeInMainWorld("reach", {
  getState: invoke("getState"),
  signIn: invoke("signIn"),
  importProfile: invoke("importProfile"),
  listProfiles: invoke("listProfiles"),
  signOut: invoke("signOut"),
  refresh: invoke("refresh"),
  connect: invoke("connect"),
  disconnect: invoke("disconnect"),
  disconnectAll: invoke("disconnectAll"),
  copyText: invoke("copyText"),
  openExternal: invoke("openExternal"),
  addLocalService: invoke("addLocalService"),
  removeLocalService: invoke("removeLocalService"),
  addOnDemand: invoke("addOnDemand"),
  removeOnDemand: invoke("removeOnDemand"),
  onEvent(listener: (event: DesktopEvent) => void) {
    const handler = (_event: IpcRendererEvent, payload: DesktopEvent) => listener(payload);
    ipcRenderer.on("reach:event", handler);
    return () => ipcRenderer.off("reach:event", handler);
  },
});
