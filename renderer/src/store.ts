// The renderer's state: the core's pushed DesktopState plus what only the screen cares
// about (the filter, the open connect panel, transient feedback).
import { create } from "zustand";
import type {
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
  /** Copies text (an address, a launch command) and marks the item `id` as copied for 2 s. */
  copy(id: string, text: string): Promise<void>;
  /** Opens a URL outside the app (the host's browser or handler, else a new tab). */
  launch(url: string): Promise<void>;
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

  async copy(id, text) {
    const copiedByHost = await get().call<boolean>("copyText", { text });
    if (copiedByHost.ok && !copiedByHost.value) await navigator.clipboard.writeText(text);
    set({ copiedId: id });
    setTimeout(() => {
      if (get().copiedId === id) set({ copiedId: null });
    }, 2000);
  },

  async launch(url) {
    const opened = await get().call<boolean>("openExternal", { url });
    if (opened.ok && !opened.value) window.open(url, "_blank", "noopener,noreferrer");
  },

  dismissError: () => set({ error: null, notice: null }),
}));

function isState(value: unknown): value is DesktopState {
  return typeof value === "object" && value !== null && "session" in value && "vault" in value;
}
