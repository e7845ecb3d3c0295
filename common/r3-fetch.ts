// A fetch that signs every request with R3, for any client of the broker's API: the CLI,
// the tests, and (as Apollo's HttpLink fetch) the desktop core.
import { type R3Credentials, signRequest } from "./r3-signature.js";

export type Fetch = typeof fetch;

export function createSignedFetch(credentials: R3Credentials, baseFetch: Fetch = fetch): Fetch {
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init.method ?? "GET").toUpperCase();
    const body = typeof init.body === "string" ? init.body : "";
    const headers = new Headers(init.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    const signed = signRequest(credentials, {
      method,
      path: url.pathname + url.search,
      headers: {
        host: url.host,
        "content-type": headers.get("content-type") ?? "",
        "content-length": String(Buffer.byteLength(body)),
      },
    });
    headers.set("date", signed.date);
    headers.set("authorization", signed.authorization);
    return baseFetch(url, { ...init, method, headers, body: method === "GET" ? null : body });
  };
}
