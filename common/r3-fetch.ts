// A fetch that signs every request with R3, for any client of the broker's API: the CLI,
// the tests, and (as Apollo's HttpLink fetch) the desktop core.
import {
  bodyDigest,
  R3_NONCE_HEADER,
  R3_REQUIRED_HEADERS,
  R3_SIGNED_BODY_HEADERS,
  type R3Credentials,
  requestNonce,
  signRequest,
} from "./r3-signature.js";

export type Fetch = typeof fetch;

/**
 * `now` is the clock requests are dated and signed with: this computer's, unless a caller
 * (a test showing what a broker answers a clock that is off) says otherwise.
 */
export function createSignedFetch(
  credentials: R3Credentials,
  baseFetch: Fetch = fetch,
  now: () => Date = () => new Date(),
): Fetch {
  return async (input, init = {}) => {
    if (input instanceof Request) {
      throw new TypeError("The signed fetch takes a URL and init, not a Request object.");
    }
    if (init.body !== undefined && init.body !== null && typeof init.body !== "string") {
      // The signature covers Content-Length, which is only known for a text body here.
      throw new TypeError("The signed fetch sends string bodies only (GraphQL JSON).");
    }
    const url = new URL(String(input));
    const method = (init.method ?? "GET").toUpperCase();
    const body = init.body ?? null;
    const headers = new Headers(init.headers);
    if (body !== null && !headers.has("content-type")) {
      headers.set("content-type", "application/json");
    }
    // A signed digest ties the signature to this body, not just to its length.
    if (body !== null) headers.set("digest", bodyDigest(body));
    // Two identical requests in one second must not sign alike (see R3_NONCE_HEADER).
    const nonce = requestNonce();
    headers.set(R3_NONCE_HEADER, nonce);
    const signed =
      body === null
        ? signRequest(
            credentials,
            {
              method,
              path: url.pathname + url.search,
              headers: { host: url.host, [R3_NONCE_HEADER]: nonce },
            },
            now(),
            [...R3_REQUIRED_HEADERS, R3_NONCE_HEADER],
          )
        : signRequest(
            credentials,
            {
              method,
              path: url.pathname + url.search,
              headers: {
                host: url.host,
                "content-type": headers.get("content-type") ?? "",
                "content-length": String(Buffer.byteLength(body)),
                digest: headers.get("digest") ?? "",
                [R3_NONCE_HEADER]: nonce,
              },
            },
            now(),
            [...R3_SIGNED_BODY_HEADERS, R3_NONCE_HEADER],
          );
    headers.set("date", signed.date);
    headers.set("authorization", signed.authorization);
    return baseFetch(url, { ...init, method, headers, body });
  };
}
