// Carries one DesktopApi call from an untrusted transport to the core: the method must be
// one of the contract's, and its payload must pass the contract's schema. Shared by the
// headless WebSocket and the Electron IPC handlers.
import {
  type DesktopApi,
  type DesktopMethod,
  desktopApiInputs,
  type Result,
} from "../../common/desktop-api.js";

export function isDesktopMethod(name: unknown): name is DesktopMethod {
  return typeof name === "string" && Object.hasOwn(desktopApiInputs, name);
}

export async function dispatch(
  api: DesktopApi,
  method: unknown,
  input: unknown,
): Promise<Result<unknown>> {
  if (!isDesktopMethod(method)) {
    return {
      ok: false,
      error: { code: "INVALID_INPUT", message: `Unknown method ${JSON.stringify(method)}.` },
    };
  }
  const parsed = desktopApiInputs[method].safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: {
        code: "INVALID_INPUT",
        message: `${method}: ${issue?.path.join(".") || "input"} ${issue?.message ?? "is invalid"}.`,
      },
    };
  }
  const call = api[method] as (payload: unknown) => Promise<Result<unknown>>;
  return call.call(api, parsed.data);
}
