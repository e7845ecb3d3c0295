// How the renderer reaches the desktop core. Inside Electron the preload script exposes
// `window.reach`; in headless mode the same calls go over a WebSocket to the host that
// served this page. The rest of the renderer does not know which.
import type {
  DesktopApi,
  DesktopEvent,
  DesktopInput,
  DesktopMethod,
  DesktopOutput,
  PreloadBridge,
} from "../../common/desktop-api.js";
import { fail, type Result } from "../../common/result.js";

export interface Transport {
  call<M extends DesktopMethod>(
    method: M,
    input: DesktopInput<M>,
  ): Promise<Result<DesktopOutput<M>>>;
  onEvent(listener: (event: DesktopEvent) => void): () => void;
}

declare global {
  interface Window {
    reach?: PreloadBridge;
  }
}

function ipcTransport(bridge: PreloadBridge): Transport {
  const api: DesktopApi = bridge;
  return {
    call: (method, input) => api[method](input),
    onEvent: (listener) => bridge.onEvent(listener),
  };
}

function webSocketTransport(token: string): Transport {
  const listeners = new Set<(event: DesktopEvent) => void>();
  const pending = new Map<number, (result: Result<unknown>) => void>();
  let nextId = 1;
  let socket: WebSocket;
  let ready: Promise<void>;
  const unreachable = () =>
    fail("UNREACHABLE", "Lost the connection to the Reach host; reload the page.");

  const open = () => {
    const url = new URL("/api", window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.search = `?token=${encodeURIComponent(token)}`;
    socket = new WebSocket(url);
    ready = new Promise((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error("closed")), { once: true });
    });
    socket.addEventListener("message", (message) => {
      const data = JSON.parse(String(message.data)) as {
        id?: number;
        result?: Result<unknown>;
      } & Partial<DesktopEvent>;
      if (typeof data.id === "number" && data.result) {
        pending.get(data.id)?.(data.result);
        pending.delete(data.id);
      } else if (data.type) {
        for (const listener of listeners) listener(data as DesktopEvent);
      }
    });
    socket.addEventListener("close", () => {
      for (const resolve of pending.values()) resolve(unreachable());
      pending.clear();
    });
  };
  open();

  return {
    async call(method, input) {
      try {
        await ready;
      } catch {
        return unreachable();
      }
      const id = nextId++;
      return new Promise((resolve) => {
        // The host answers with this method's result: the wire cannot say so, the contract does.
        pending.set(id, (result) => resolve(result as Result<DesktopOutput<typeof method>>));
        socket.send(JSON.stringify({ id, method, input }));
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function createTransport(): Transport {
  if (window.reach) return ipcTransport(window.reach);
  const token = new URLSearchParams(window.location.search).get("token") ?? "";
  return webSocketTransport(token);
}
