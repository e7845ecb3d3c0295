// The renderer's state: the core's pushed DesktopState plus what only the screen cares
// about (the filter, the open connect panel, transient feedback).
import { create } from "zustand";
import type {
  ConnectionState,
  DesktopError,
  DesktopMethod,
  DesktopState,
  Result,
} from "../../common/desktop-api.js";
import type { Transport } from "./transport.js";

interface UiState {
  desktop: DesktopState | null;
  filter: string;
  /** The service whose connect panel is open. */
  connecting: string | null;
  busy: boolean;
  error: DesktopError | null;
  notice: string | null;
  copiedId: string | null;
  transport: Transport | null;
  attach(transport: Transport): Promise<void>;
  call<T>(method: DesktopMethod, input?: object): Promise<Result<T>>;
  setFilter(filter: string): void;
  openConnect(serviceId: string | null): void;
  copy(connection: ConnectionState): Promise<void>;
  launch(connection: ConnectionState): Promise<void>;
  dismissError(): void;
}

export const useStore = create<UiState>((set, get) => ({
  desktop: null,
  filter: "",
  connecting: null,
  busy: false,
  error: null,
  notice: null,
  copiedId: null,
  transport: null,

  async attach(transport) {
    set({ transport });
    transport.onEvent((event) => {
      if (event.type === "state") set({ desktop: event.state });
      else set({ notice: `${event.title}: ${event.body}` });
    });
    const state = await transport.call("getState", {});
    if (state.ok) set({ desktop: state.value as DesktopState });
    else set({ error: state.error });
  },

  async call<T>(method: DesktopMethod, input: object = {}) {
    const transport = get().transport;
    if (!transport)
      return { ok: false, error: { code: "UNREACHABLE", message: "Not connected." } } as Result<T>;
    set({ busy: true, error: null });
    const result = (await transport.call(method, input)) as Result<T>;
    set({ busy: false, ...(result.ok ? {} : { error: result.error }) });
    if (result.ok && isState(result.value)) set({ desktop: result.value });
    return result;
  },

  setFilter: (filter) => set({ filter }),
  openConnect: (serviceId) => set({ connecting: serviceId, error: null }),

  async copy(connection) {
    const copiedByHost = await get().call<boolean>("copyText", { text: connection.address });
    if (copiedByHost.ok && !copiedByHost.value)
      await navigator.clipboard.writeText(connection.address);
    set({ copiedId: connection.id });
    setTimeout(() => {
      if (get().copiedId === connection.id) set({ copiedId: null });
    }, 2000);
  },

  async launch(connection) {
    const opened = await get().call<boolean>("openExternal", { url: connection.url });
    if (opened.ok && !opened.value) window.open(connection.url, "_blank", "noopener,noreferrer");
  },

  dismissError: () => set({ error: null, notice: null }),
}));

function isState(value: unknown): value is DesktopState {
  return typeof value === "object" && value !== null && "session" in value && "vault" in value;
}
