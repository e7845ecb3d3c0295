// Verifies R3-signed API requests against the keys in the store.
import type { IncomingHttpHeaders } from "node:http";
import { type AuthRefusal, authRefusal } from "../../common/graphql/auth-refusals.js";
import {
  bodyDigest,
  hmacSignature,
  parseSignatureHeader,
  R3_REQUIRED_HEADERS,
  signaturesMatch,
  signingString,
} from "../../common/r3-signature.js";
import type { User, UserStore } from "../store/store.js";

/** A Date more than this far from the broker's clock is refused (replay and skew). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * `digest` is the Digest header when the signature covers it: the body, once read, must
 * match it (checkBodyDigest). Without it only the body's length is signed, as in R3.
 */
export type AuthResult = { ok: true; user: User; digest?: string } | ({ ok: false } & AuthRefusal);

function refused(...refusal: Parameters<typeof authRefusal>): AuthResult {
  return { ok: false, ...authRefusal(...refusal) };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

export async function verifyR3(
  users: UserStore,
  request: { method: string; path: string; headers: IncomingHttpHeaders },
  now: number = Date.now(),
): Promise<AuthResult> {
  const parsed = parseSignatureHeader(single(request.headers.authorization));
  if (!parsed) return refused("UNSIGNED");
  if (parsed.algorithm.toLowerCase() !== "hmac-sha256") return refused("UNSUPPORTED_ALGORITHM");
  const missing = R3_REQUIRED_HEADERS.filter((h) => !parsed.headers.includes(h));
  if (missing.length > 0) return refused("UNSIGNED_HEADERS", missing);
  const date = Date.parse(single(request.headers.date) ?? "");
  if (Number.isNaN(date)) return refused("NO_DATE");
  if (Math.abs(now - date) > MAX_CLOCK_SKEW_MS) return refused("CLOCK_SKEW");
  const headers: Record<string, string | undefined> = {};
  for (const name of parsed.headers) {
    if (name !== "(request-target)") headers[name] = single(request.headers[name]);
  }
  const found = await users.findByAccessKey(parsed.keyId);
  // An unknown key and a wrong secret get the same answer, so keys cannot be probed.
  const expected = hmacSignature(
    found?.secret ?? "",
    signingString({ method: request.method, path: request.path, headers }, parsed.headers),
  );
  if (!found || !signaturesMatch(expected, parsed.signature)) return refused("BAD_SIGNATURE");
  if (!parsed.headers.includes("digest")) return { ok: true, user: found.user };
  // A signed digest must be there and be SHA-256: any other could not be checked.
  const digest = headers.digest;
  if (!digest || !/^SHA-256=/i.test(digest)) return refused("DIGEST_MISMATCH");
  return { ok: true, user: found.user, digest };
}

/** Null when `body` is the one the signed digest names, else the refusal. */
export function checkBodyDigest(digest: string | undefined, body: Buffer): AuthRefusal | null {
  if (digest === undefined) return null;
  const expected = bodyDigest(body);
  const given = `SHA-256=${digest.slice("SHA-256=".length)}`;
  return signaturesMatch(expected, given) ? null : authRefusal("DIGEST_MISMATCH");
}
