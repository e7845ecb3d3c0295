// The renderer's state: the core's pushed DesktopState plus what only the screen cares
// about (the filter, the open connect panel, the page shown, transient feedback).
import { create } from "zustand";
import type {
  DesktopCallArgs,
  DesktopEvent,
  DesktopInput,
  DesktopMethod,
  DesktopOutput,
  DesktopState,
} from "../../common/desktop-api.js";
import { type ErrorDetail, fail, type Result } from "../../common/result.js";
import { pageStep } from "./lib/use-outcome.js";
import type { Transport } from "./transport.js";

/** A notice pushed by the core (headless has no system notifications), kept until dismissed. */
export type Notice = Extract<DesktopEvent, { type: "notice" }> & { key: number };

/** A Copy or Launch of a saved connection waiting for tokens the user has to type. */
export interface Asking {
  id: string;
  use: "copy" | "launch";
  missing: string[];
}

interface UiState {
  desktop: DesktopState | null;
  page: "connections" | "settings";
  filter: string;
  /** The service whose connect panel is open for a new connection. */
  connecting: string | null;
  /** The saved connection whose panel is open for editing. */
  editing: string | null;
  asking: Asking | null;
  busy: boolean;
  error: ErrorDetail | null;
  notices: Notice[];
  /** A line about the last Copy or Launch: what was copied, or what to run. */
  used: { id: string; text: string } | null;
  copiedId: string | null;
  transport: Transport | null;
  attach(transport: Transport): Promise<void>;
  /** Calls the core; a payload may be left out when the method needs none. */
  call<M extends DesktopMethod>(
    method: M,
    ...input: DesktopCallArgs<M>
  ): Promise<Result<DesktopOutput<M>>>;
  setFilter(filter: string): void;
  showPage(page: UiState["page"]): void;
  openConnect(serviceId: string | null): void;
  openEdit(id: string | null): void;
  /** Copies text (an address) and marks the item `id` as copied for 2 s. */
  copy(id: string, text: string): Promise<void>;
  /** Opens a URL outside the app (the host's browser or handler, else a new tab). */
  launch(url: string): Promise<void>;
  /** Copy or Launch of a saved connection through its templates; asks for missing tokens. */
  runTemplate(use: Asking["use"], id: string, username?: string): Promise<void>;
  dismissNotice(key: number): void;
  dismissError(): void;
}

let noticeKeys = 0;

export const useStore = create<UiState>((set, get) => ({
  desktop: null,
  page: "connections",
  filter: "",
  connecting: null,
  editing: null,
  asking: null,
  busy: false,
  error: null,
  notices: [],
  used: null,
  copiedId: null,
  transport: null,

  async attach(transport) {
    set({ transport });
    transport.onEvent((event) => {
      if (event.type === "state") set({ desktop: event.state });
      else set({ notices: [...get().notices, { ...event, key: ++noticeKeys }].slice(-5) });
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
  showPage: (page) => set({ page, error: null }),
  openConnect: (serviceId) => set({ connecting: serviceId, editing: null, error: null }),
  openEdit: (id) => set({ editing: id, connecting: null, error: null }),

  async copy(id, text) {
    const copiedByHost = await get().call("copyText", { text });
    if (copiedByHost.ok && !copiedByHost.value) await navigator.clipboard.writeText(text);
    markCopied(id);
  },

  async launch(url) {
    const opened = await get().call("openExternal", { url });
    if (opened.ok && !opened.value) window.open(url, "_blank", "noopener,noreferrer");
  },

  async runTemplate(use, id, username) {
    const method = use === "copy" ? "copyOnDemand" : "launchOnDemand";
    const result = await get().call(method, username ? { id, username } : { id });
    if (!result.ok) return;
    const step = pageStep(result.value);
    set({ asking: step.kind === "ask" ? { id, use, missing: step.missing } : null });
    if (step.kind === "ask") return;
    if (step.kind === "open") window.open(step.url, "_blank", "noopener,noreferrer");
    if (step.kind === "copy" || step.kind === "copy-command") {
      await navigator.clipboard.writeText(step.text);
    }
    const said =
      step.kind === "copy-command"
        ? `Copied; run it in a terminal: ${step.text}`
        : step.kind === "open"
          ? `Opened ${step.url}`
          : use === "copy"
            ? `Copied: ${step.text}`
            : `Launched: ${step.text}`;
    set({ used: { id, text: said } });
    if (use === "copy") markCopied(id);
  },

  dismissNotice: (key) => set({ notices: get().notices.filter((n) => n.key !== key) }),
  dismissError: () => set({ error: null }),
}));

function markCopied(id: string): void {
  useStore.setState({ copiedId: id });
  setTimeout(() => {
    if (useStore.getState().copiedId === id) useStore.setState({ copiedId: null });
  }, 2000);
}

function isState(value: unknown): value is DesktopState {
  return typeof value === "object" && value !== null && "session" in value && "vault" in value;
}
