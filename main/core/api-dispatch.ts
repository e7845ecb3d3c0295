// Carries one DesktopApi call from an untrusted transport to the core: the method must be
// one of the contract's, and its payload must pass the contract's schema. Shared by the
// headless WebSocket and the Electron IPC handlers.
import {
  type DesktopApi,
  type DesktopInput,
  type DesktopMethod,
  desktopApiInputs,
} from "../../common/desktop-api.js";
import { fail, type Result } from "../../common/result.js";

export function isDesktopMethod(name: unknown): name is DesktopMethod {
  return typeof name === "string" && Object.hasOwn(desktopApiInputs, name);
}

export async function dispatch(
  api: DesktopApi,
  method: unknown,
  input: unknown,
): Promise<Result<unknown>> {
  if (!isDesktopMethod(method)) {
    return fail("INVALID_INPUT", `Unknown method ${JSON.stringify(method)}.`);
  }
  const parsed = desktopApiInputs[method].safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(
      "INVALID_INPUT",
      `${method}: ${issue?.path.join(".") || "input"} ${issue?.message ?? "is invalid"}.`,
    );
  }
  return invoke(api, method, parsed.data);
}

/** One method with its payload; the schema of `method` has just parsed `input`. */
function invoke<M extends DesktopMethod>(api: DesktopApi, method: M, input: DesktopInput<M>) {
  return api[method](input);
}
