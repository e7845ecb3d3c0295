// R3 request signing, as remote.it's API keys sign requests: an HTTP Signature
// (draft-cavage) with HMAC-SHA256 keyed by the base64-decoded secret access key.
// Shared by every client (agent, CLI, desktop core) and by the broker's verifier.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const R3_SIGNED_HEADERS = [
  "(request-target)",
  "host",
  "date",
  "content-type",
  "content-length",
];
export const R3_REQUIRED_HEADERS = ["(request-target)", "host", "date"];
/**
 * R3_SIGNED_HEADERS plus `digest`, a hash of the body (RFC 3230, as draft-cavage suggests).
 * R3 signs only the body's length; a client that also signs a digest makes its signature
 * useless for any other body. Optional: the broker checks it when it is signed.
 */
export const R3_SIGNED_BODY_HEADERS = [...R3_SIGNED_HEADERS, "digest"];

/**
 * A random value Reach's own clients send and sign with every request. The broker accepts
 * a signature once (a replay cache), and Date has one-second resolution: without it two
 * identical queries, or an agent's quick reconnect, within one second would sign alike
 * and the second be refused as a replay. draft-cavage lets a client sign any header.
 */
export const R3_NONCE_HEADER = "x-reach-nonce";

export function requestNonce(): string {
  return randomBytes(16).toString("base64url");
}

export interface R3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A key pair and the broker it signs for: a credentials-file profile, a signed-in account. */
export interface ApiCredentials extends R3Credentials {
  apiUrl: string;
}

/** The parts of a request that a signature covers. Header names are lower case. */
export interface SignableRequest {
  method: string;
  /** Path plus query, as sent on the request line. */
  path: string;
  headers: Record<string, string | undefined>;
}

export function signingString(request: SignableRequest, headerNames: string[]): string {
  return headerNames
    .map((name) => {
      if (name === "(request-target)") {
        return `(request-target): ${request.method.toLowerCase()} ${request.path}`;
      }
      return `${name}: ${request.headers[name] ?? ""}`;
    })
    .join("\n");
}

export function hmacSignature(secretAccessKey: string, text: string): string {
  return createHmac("sha256", Buffer.from(secretAccessKey, "base64")).update(text).digest("base64");
}

/**
 * Returns the `Date` and `Authorization` headers for a request. The caller must send
 * exactly the host, content-type and content-length it passed in. Requests without a
 * body (the agent's WebSocket upgrade) sign R3_REQUIRED_HEADERS only.
 */
export function signRequest(
  credentials: R3Credentials,
  request: SignableRequest,
  now: Date = new Date(),
  headerNames: string[] = R3_SIGNED_HEADERS,
): { date: string; authorization: string } {
  const date = now.toUTCString();
  const headers = { ...request.headers, date };
  const signature = hmacSignature(
    credentials.secretAccessKey,
    signingString({ ...request, headers }, headerNames),
  );
  const authorization =
    `Signature keyId="${credentials.accessKeyId}",algorithm="hmac-sha256",` +
    `headers="${headerNames.join(" ")}",signature="${signature}"`;
  return { date, authorization };
}

export interface ParsedSignature {
  keyId: string;
  algorithm: string;
  headers: string[];
  signature: string;
}

/** Parses an `Authorization: Signature k="v",…` header; null when it is not one. */
export function parseSignatureHeader(value: string | undefined): ParsedSignature | null {
  if (!value || value.length > 4096) return null;
  const match = /^Signature\s+(.*)$/i.exec(value.trim());
  if (!match?.[1]) return null;
  const params = new Map<string, string>();
  const pattern = /\s*([a-zA-Z]+)="([^"]*)"\s*(,|$)/gy;
  let rest = match[1];
  let part = pattern.exec(rest);
  let consumed = 0;
  while (part) {
    const [whole, key, val] = part;
    if (!key || val === undefined || params.has(key)) return null;
    params.set(key, val);
    consumed += whole.length;
    if (consumed >= rest.length) break;
    part = pattern.exec(rest);
  }
  rest = rest.slice(consumed);
  if (rest.trim() !== "") return null;
  const keyId = params.get("keyId");
  const signature = params.get("signature");
  if (!keyId || !signature) return null;
  const headers = (params.get("headers") ?? "date").toLowerCase().split(/\s+/).filter(Boolean);
  return { keyId, algorithm: params.get("algorithm") ?? "", headers, signature };
}

/** The `Digest` header value for a body: `SHA-256=<base64>`. */
export function bodyDigest(body: string | Buffer): string {
  return `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
}

/** Constant-time comparison of two base64 signatures. */
export function signaturesMatch(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
