// How the core turns what went wrong into a Result: a broker's refusal keeps its code, the
// core's own refusals are sentences about the input, anything else is INTERNAL.
import { BrokerError } from "../../client/broker-client.js";
import { type ErrorDetail, fail, messageOf, type Result } from "../../common/result.js";

export function signedOut<T>(): Result<T> {
  return fail("UNAUTHENTICATED", "Sign in first.");
}

export function noDataDir<T>(): Result<T> {
  return fail("INVALID_INPUT", "This app was started without a data directory.");
}

/** The manager's refusals are sentences about the input; the broker's keep their code. */
export function onDemandFailure<T>(error: unknown): Result<T> {
  return error instanceof BrokerError ? failure(error) : fail("INVALID_INPUT", messageOf(error));
}

/** A broker's refusal keeps its code; anything else thrown is INTERNAL. */
export function errorOf(error: unknown): ErrorDetail {
  if (error instanceof BrokerError) return error.detail;
  return { code: "INTERNAL", message: messageOf(error) };
}

export function failure<T>(error: unknown): Result<T> {
  const { code, message } = errorOf(error);
  return fail(code, message);
}
