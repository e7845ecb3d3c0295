// Verifies R3-signed API requests against the keys in the store, in either scheme
// remote.it's clients use: draft-cavage `Authorization: Signature` (verify-cavage.ts) or
// RFC 9421 `Signature-Input` + `Signature` (verify-message-signature.ts). A signature is
// accepted once (replay-cache.ts).
import { type AuthRefusal, authRefusal } from "../../common/graphql/auth-refusals.js";
import { contentDigestSha256 } from "../../common/http-message-signature.js";
import { bodyDigest, signaturesMatch } from "../../common/r3-signature.js";
import type { User, UserStore } from "../store/store.js";
import { MAX_CLOCK_SKEW_MS } from "./clock-window.js";
import { brokerReplayCache, type ReplayCache } from "./replay-cache.js";
import type { BodyDigest, IncomingSignedRequest } from "./verified-request.js";
import { verifyCavage } from "./verify-cavage.js";
import { verifyMessageSignature } from "./verify-message-signature.js";

export { MAX_CLOCK_SKEW_MS };

/**
 * `digest` is the body hash the request carries (a signed Digest, or a Content-Digest):
 * the body, once read, must match it (checkBodyDigest).
 */
export type AuthResult =
  | { ok: true; user: User; digest?: BodyDigest }
  | ({ ok: false } & AuthRefusal);

export async function verifyR3(
  users: UserStore,
  request: IncomingSignedRequest,
  now: number = Date.now(),
  replays: ReplayCache = brokerReplayCache,
): Promise<AuthResult> {
  // RFC 9421 clients may also send an Authorization header (the Insomnia plugin sends an
  // empty one); Signature-Input says which scheme signed the request.
  const verified =
    request.headers["signature-input"] !== undefined
      ? await verifyMessageSignature(users, request, now)
      : await verifyCavage(users, request, now);
  if (!verified.ok) return verified;
  if (!replays.firstUse(verified.replayKey, verified.signedAt + MAX_CLOCK_SKEW_MS, now)) {
    return { ok: false, ...authRefusal("REPLAYED") };
  }
  return { ok: true, user: verified.user, digest: verified.bodyDigest };
}

/** Null when `body` is the one the request's digest names, else the refusal. */
export function checkBodyDigest(digest: BodyDigest | undefined, body: Buffer): AuthRefusal | null {
  if (digest === undefined) return null;
  if (digest.header === "content-digest") {
    const given = contentDigestSha256(digest.value);
    const expected = bodyDigest(body).slice("SHA-256=".length);
    return given !== null && signaturesMatch(expected, given)
      ? null
      : authRefusal("DIGEST_MISMATCH", ["Content-Digest"]);
  }
  const expected = bodyDigest(body);
  const given = `SHA-256=${digest.value.slice("SHA-256=".length)}`;
  return signaturesMatch(expected, given) ? null : authRefusal("DIGEST_MISMATCH", ["Digest"]);
}
