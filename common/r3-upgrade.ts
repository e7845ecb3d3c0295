// A signed WebSocket upgrade (GET, no body) as Reach's clients send it: R3 over the request
// line, Host and Date, the headers the broker requires, plus a random nonce, since two
// upgrades within one second (a quick reconnect, several sockets opened at once) would
// otherwise sign alike and the second be refused as a replay. Used for the agent's control
// channel and for the event subscription.
import {
  R3_NONCE_HEADER,
  R3_REQUIRED_HEADERS,
  type R3Credentials,
  requestNonce,
  signRequest,
} from "./r3-signature.js";

/** The headers of a signed GET of `path` on the broker at `host`, as of `date`. */
export function signedUpgradeHeaders(
  credentials: R3Credentials,
  host: string,
  path: string,
  date = new Date(),
): Record<string, string> {
  const nonce = requestNonce();
  const signed = signRequest(
    credentials,
    { method: "GET", path, headers: { host, [R3_NONCE_HEADER]: nonce } },
    date,
    [...R3_REQUIRED_HEADERS, R3_NONCE_HEADER],
  );
  return { host, date: signed.date, [R3_NONCE_HEADER]: nonce, authorization: signed.authorization };
}
