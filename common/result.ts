// Results that cross a boundary (the DesktopApi, the client's calls to a broker): a value,
// or an error made of a machine-readable code and a sentence for a person. Callers branch
// on `code`, never on the sentence; the sentence is only ever shown.
export interface ErrorDetail {
  /** An API code (UNAUTHENTICATED, SERVICE_OFFLINE …) or UNREACHABLE, INVALID_INPUT, CLOCK_SKEW. */
  code: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorDetail };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: string, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

/** The sentence an unknown thrown value carries: an Error's message, else its string form. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
