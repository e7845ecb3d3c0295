// Verifies an RFC 9421 HTTP Message Signature (Signature-Input + Signature), as the
// Insomnia plugin v1.1+ and requests-http-signature 0.7 (the docs' Python example) send
// it: any label, any component order. The signature must cover @method, @authority or
// @target-uri, and date or `created`; `expires` is honoured; the 5-minute window applies
// to date and `created`. A Content-Digest header, when sent, must match the body.
import { authRefusal } from "../../common/graphql/auth-refusals.js";
import {
  hmacBase64,
  type MessageRequest,
  parseSignatureField,
  parseSignatureInput,
  type SignatureInput,
  signatureBase,
} from "../../common/http-message-signature.js";
import { signaturesMatch } from "../../common/r3-signature.js";
import type { UserStore } from "../store/store.js";
import { MAX_CLOCK_SKEW_MS } from "./clock-window.js";
import { signedHostCandidates } from "./signed-host.js";
import { type IncomingSignedRequest, single, type Verified } from "./verified-request.js";

function refused(...refusal: Parameters<typeof authRefusal>): Verified {
  return { ok: false, ...authRefusal(...refusal) };
}

/** The required components the signature left out, as the refusal names them. */
function missingRequired(components: readonly string[], params: Map<string, unknown>): string[] {
  const has = (name: string) => components.includes(name);
  const missing: string[] = [];
  if (!has("@method")) missing.push('"@method"');
  if (!has("@authority") && !has("@target-uri")) missing.push('"@authority" (or "@target-uri")');
  if (!has("date") && typeof params.get("created") !== "number") {
    missing.push('"date" (or the created parameter)');
  }
  return missing;
}

/** Every request shape the signer may have seen: Host with or without port, http or https. */
function candidateRequests(request: IncomingSignedRequest): MessageRequest[] {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const candidates: MessageRequest[] = [];
  for (const authority of signedHostCandidates(single(request.headers.host))) {
    // A TLS-terminating proxy in front of the broker makes the client's https plain here.
    for (const scheme of ["https", "http"] as const) {
      candidates.push({ method: request.method, scheme, authority, target: request.path, headers });
    }
  }
  return candidates;
}

export async function verifyMessageSignature(
  users: UserStore,
  request: IncomingSignedRequest,
  now: number,
): Promise<Verified> {
  const inputs = parseSignatureInput(single(request.headers["signature-input"]));
  if (!inputs) return refused("MALFORMED_SIGNATURE", ["Signature-Input"]);
  const signatures = parseSignatureField(single(request.headers.signature));
  if (!signatures) return refused("MALFORMED_SIGNATURE", ["Signature"]);
  const input: SignatureInput | undefined = inputs.find((entry) => signatures.has(entry.label));
  const signature = input && signatures.get(input.label);
  if (!input || !signature) {
    return refused("MALFORMED_SIGNATURE", ["Signature (no label Signature-Input names)"]);
  }
  const params = new Map(input.params);
  const keyId = params.get("keyid");
  if (typeof keyId !== "string" || keyId === "") {
    return refused("MALFORMED_SIGNATURE", ["Signature-Input (no keyid parameter)"]);
  }
  const alg = params.get("alg");
  if (alg !== undefined && alg !== "hmac-sha256") return refused("UNSUPPORTED_ALGORITHM");
  const missing = missingRequired(input.components, params);
  if (missing.length > 0) return refused("UNSIGNED_HEADERS", missing);
  const absent = input.components.filter(
    (name) => !name.startsWith("@") && single(request.headers[name]) === undefined,
  );
  if (absent.length > 0) return refused("MISSING_COMPONENT", absent);

  const expires = params.get("expires");
  if (expires !== undefined && (typeof expires !== "number" || now > expires * 1000)) {
    return refused("EXPIRED");
  }
  const times: number[] = [];
  const created = params.get("created");
  if (typeof created === "number") times.push(created * 1000);
  if (input.components.includes("date")) {
    const date = Date.parse(single(request.headers.date) ?? "");
    if (Number.isNaN(date)) return refused("NO_DATE");
    times.push(date);
  }
  if (times.some((time) => Math.abs(now - time) > MAX_CLOCK_SKEW_MS)) return refused("CLOCK_SKEW");

  const found = await users.findByAccessKey(keyId);
  const matches = candidateRequests(request).some((candidate) => {
    const base = signatureBase(input, candidate);
    return base !== null && signaturesMatch(hmacBase64(found?.secret ?? "", base), signature);
  });
  // An unknown key and a wrong secret get the same answer, so keys cannot be probed.
  if (!found || !matches) return refused("BAD_SIGNATURE");
  const contentDigest = single(request.headers["content-digest"]);
  return {
    ok: true,
    user: found.user,
    replayKey: `rfc9421 ${keyId} ${signature}`,
    signedAt: Math.min(...times),
    ...(contentDigest !== undefined && {
      bodyDigest: { header: "content-digest", value: contentDigest },
    }),
  };
}
