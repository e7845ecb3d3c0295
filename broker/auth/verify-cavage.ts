// Verifies a draft-cavage `Authorization: Signature keyId=…,headers=…,signature=…` request,
// the scheme remote.it's docs (bash, Node, C#), Postman collection and Insomnia plugin
// v1.0 use. The signing string is rebuilt from the headers as received; `host` may have
// been signed without its port (signed-host.ts).
import { authRefusal } from "../../common/graphql/auth-refusals.js";
import {
  hmacSignature,
  parseSignatureHeader,
  R3_REQUIRED_HEADERS,
  signaturesMatch,
  signingString,
} from "../../common/r3-signature.js";
import type { UserStore } from "../store/store.js";
import { MAX_CLOCK_SKEW_MS } from "./clock-window.js";
import { signedHostCandidates } from "./signed-host.js";
import { type IncomingSignedRequest, single, type Verified } from "./verified-request.js";

export async function verifyCavage(
  users: UserStore,
  request: IncomingSignedRequest,
  now: number,
): Promise<Verified> {
  const parsed = parseSignatureHeader(single(request.headers.authorization));
  if (!parsed) return { ok: false, ...authRefusal("UNSIGNED") };
  if (parsed.algorithm.toLowerCase() !== "hmac-sha256") {
    return { ok: false, ...authRefusal("UNSUPPORTED_ALGORITHM") };
  }
  const missing = R3_REQUIRED_HEADERS.filter((h) => !parsed.headers.includes(h));
  if (missing.length > 0) return { ok: false, ...authRefusal("UNSIGNED_HEADERS", missing) };
  // Date.parse reads RFC 1123 dates in GMT and the docs' bash example's "UTC" alike.
  const date = Date.parse(single(request.headers.date) ?? "");
  if (Number.isNaN(date)) return { ok: false, ...authRefusal("NO_DATE") };
  if (Math.abs(now - date) > MAX_CLOCK_SKEW_MS) return { ok: false, ...authRefusal("CLOCK_SKEW") };
  const headers: Record<string, string | undefined> = {};
  for (const name of parsed.headers) {
    if (name !== "(request-target)") headers[name] = single(request.headers[name]);
  }
  const found = await users.findByAccessKey(parsed.keyId);
  // An unknown key and a wrong secret get the same answer, so keys cannot be probed.
  const matches = signedHostCandidates(headers.host).some((host) =>
    signaturesMatch(
      hmacSignature(
        found?.secret ?? "",
        signingString(
          { method: request.method, path: request.path, headers: { ...headers, host } },
          parsed.headers,
        ),
      ),
      parsed.signature,
    ),
  );
  if (!found || !matches) return { ok: false, ...authRefusal("BAD_SIGNATURE") };
  const accepted = {
    ok: true as const,
    user: found.user,
    replayKey: `cavage ${parsed.keyId} ${parsed.signature}`,
    signedAt: date,
  };
  if (!parsed.headers.includes("digest")) return accepted;
  // A signed digest must be there and be SHA-256: any other could not be checked.
  const digest = headers.digest;
  if (!digest || !/^SHA-256=/i.test(digest)) {
    return { ok: false, ...authRefusal("DIGEST_MISMATCH", ["Digest"]) };
  }
  return { ...accepted, bodyDigest: { header: "digest", value: digest } };
}
