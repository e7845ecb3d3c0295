// How an agent asks for its control channel: GET /tunnel/v1/control as a WebSocket, R3-
// signed over the request line, Host and Date (the headers the broker requires) and a
// random nonce (a reconnect within the same second must not repeat a signature the
// broker has already accepted). Written once so the agent and anything else that opens a
// control channel sign the same request.
import {
  R3_NONCE_HEADER,
  R3_REQUIRED_HEADERS,
  type R3Credentials,
  requestNonce,
  signRequest,
} from "../r3-signature.js";
import { CONTROL_PATH } from "./protocol.js";

/** The headers of a control-channel request to the broker at `host`, signed as of `date`. */
export function controlRequestHeaders(
  credentials: R3Credentials,
  host: string,
  date = new Date(),
): Record<string, string> {
  const nonce = requestNonce();
  const signed = signRequest(
    credentials,
    { method: "GET", path: CONTROL_PATH, headers: { host, [R3_NONCE_HEADER]: nonce } },
    date,
    [...R3_REQUIRED_HEADERS, R3_NONCE_HEADER],
  );
  return { host, date: signed.date, [R3_NONCE_HEADER]: nonce, authorization: signed.authorization };
}
