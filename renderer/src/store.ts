// The renderer's state: the core's pushed DesktopState plus what only the screen cares
// about (the filter, the open connect panel, transient feedback).
import { create } from "zustand";
import type {
  DesktopCallArgs,
  DesktopInput,
  DesktopMethod,
  DesktopOutput,
  DesktopState,
} from "../../common/desktop-api.js";
import { type ErrorDetail, fail, type Result } from "../../common/result.js";
import type { Transport } from "./transport.js";

interface UiState {
  desktop: DesktopState | null;
  filter: string;
  /** The service whose connect panel is open. */
  connecting: string | null;
  busy: boolean;
  error: ErrorDetail | null;
  notice: string | null;
  copiedId: string | null;
  transport: Transport | null;
  attach(transport: Transport): Promise<void>;
  /** Calls the core; a payload may be left out when the method needs none. */
  call<M extends DesktopMethod>(
    method: M,
    ...input: DesktopCallArgs<M>
  ): Promise<Result<DesktopOutput<M>>>;
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
    if (state.ok) set({ desktop: state.value });
    else set({ error: state.error });
  },

  async call<M extends DesktopMethod>(method: M, ...[input]: DesktopCallArgs<M>) {
    const transport = get().transport;
    if (!transport) return fail("UNREACHABLE", "Not connected.");
    set({ busy: true, error: null });
    // Left out only where the method needs no payload (DesktopCallArgs): {} is then its payload.
    const result = await transport.call(method, input ?? ({} as DesktopInput<M>));
    set(result.ok ? { busy: false } : { busy: false, error: result.error });
    if (result.ok && isState(result.value)) set({ desktop: result.value });
    return result;
  },

  setFilter: (filter) => set({ filter }),
  openConnect: (serviceId) => set({ connecting: serviceId, error: null }),

  async copy(id, text) {
    const copiedByHost = await get().call("copyText", { text });
    if (copiedByHost.ok && !copiedByHost.value) await navigator.clipboard.writeText(text);
    set({ copiedId: id });
    setTimeout(() => {
      if (get().copiedId === id) set({ copiedId: null });
    }, 2000);
  },

  async launch(url) {
    const opened = await get().call("openExternal", { url });
    if (opened.ok && !opened.value) window.open(url, "_blank", "noopener,noreferrer");
  },

  dismissError: () => set({ error: null, notice: null }),
}));

function isState(value: unknown): value is DesktopState {
  return typeof value === "object" && value !== null && "session" in value && "vault" in value;
}
