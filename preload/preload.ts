// Exposes exactly the DesktopApi to the sandboxed renderer, each method a named function
// over its own IPC channel, plus a subscription to pushed events. No raw ipcRenderer.
import { contextBridge, type IpcRendererEvent, ipcRenderer } from "electron";
import type {
  DesktopEvent,
  DesktopInput,
  DesktopMethod,
  DesktopOutput,
  PreloadBridge,
} from "../common/desktop-api.js";
import { IPC_EVENT_CHANNEL, ipcChannelOf } from "../common/desktop-ipc.js";
import type { Result } from "../common/result.js";

const invoke =
  <M extends DesktopMethod>(method: M) =>
  (input: DesktopInput<M>): Promise<Result<DesktopOutput<M>>> =>
    ipcRenderer.invoke(ipcChannelOf(method), input);

const bridge = {
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
  updateOnDemand: invoke("updateOnDemand"),
  removeOnDemand: invoke("removeOnDemand"),
  startOnDemand: invoke("startOnDemand"),
  stopOnDemand: invoke("stopOnDemand"),
  copyOnDemand: invoke("copyOnDemand"),
  launchOnDemand: invoke("launchOnDemand"),
  setSettings: invoke("setSettings"),
  switchAccount: invoke("switchAccount"),
  setPublicLink: invoke("setPublicLink"),
  onEvent(listener: (event: DesktopEvent) => void) {
    const handler = (_event: IpcRendererEvent, payload: DesktopEvent) => listener(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => ipcRenderer.off(IPC_EVENT_CHANNEL, handler);
  },
} satisfies PreloadBridge;

contextBridge.exposeInMainWorld("reach", bridge);
