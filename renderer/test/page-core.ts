// The page's side of the desktop core for component tests: the store is attached to a
// Transport that answers each DesktopApi call with the result a test gives for its method
// (else {ok: true, value: null}), records every call and pushes the events a test sends,
// so a test checks what the page asked the core for and how it showed the answer.
import type {
  DesktopEvent,
  DesktopInput,
  DesktopMethod,
  DesktopState,
} from "../../common/desktop-api.js";
import type { Result } from "../../common/result.js";
import { useStore } from "../src/store.js";
import type { Transport } from "../src/transport.js";
import { desktopState } from "./fixtures.js";

export interface PageCore {
  calls: { method: DesktopMethod; input: unknown }[];
  /** Sends an event to the page as the core pushes one (a notice, a new state). */
  push(event: DesktopEvent): void;
}

export async function attachPageCore(
  state: DesktopState = desktopState(),
  answers: Partial<Record<DesktopMethod, Result<unknown>>> = {},
): Promise<PageCore> {
  const listeners = new Set<(event: DesktopEvent) => void>();
  const core: PageCore = {
    calls: [],
    push: (event) => {
      for (const listener of listeners) listener(event);
    },
  };
  const transport: Transport = {
    async call<M extends DesktopMethod>(method: M, input: DesktopInput<M>) {
      core.calls.push({ method, input });
      const answer = method === "getState" ? { ok: true, value: state } : answers[method];
      // The test names the answer for this method; the wire cannot check its type either.
      return (answer ?? { ok: true, value: null }) as never;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  useStore.setState(useStore.getInitialState(), true);
  await useStore.getState().attach(transport);
  return core;
}
