// Why the broker refused a request's signature: a code in `extensions.reason`, beside
// remote.it's `extensions.code` (UNAUTHENTICATED). Clients branch on the reason (a clock
// that is off is the user's to fix); the sentence is only ever shown. This module is the
// one place a reason becomes words.

export type AuthRefusalReason =
  | "UNSIGNED"
  | "MALFORMED_SIGNATURE"
  | "UNSUPPORTED_ALGORITHM"
  | "UNSIGNED_HEADERS"
  | "MISSING_COMPONENT"
  | "NO_DATE"
  | "CLOCK_SKEW"
  | "EXPIRED"
  | "BAD_SIGNATURE"
  | "DIGEST_MISMATCH"
  | "REPLAYED";

export interface AuthRefusal {
  reason: AuthRefusalReason;
  message: string;
}

/**
 * The sentence for a reason. `details` names what is wrong: the components a signature
 * left out (UNSIGNED_HEADERS), the covered ones the request lacks (MISSING_COMPONENT),
 * the malformed header (MALFORMED_SIGNATURE), the digest header (DIGEST_MISMATCH).
 */
function sentence(reason: AuthRefusalReason, details: readonly string[]): string {
  switch (reason) {
    case "UNSIGNED":
      return (
        'The request is not signed: send Authorization: Signature keyId="…",signature="…", ' +
        "or Signature-Input and Signature headers (RFC 9421)."
      );
    case "MALFORMED_SIGNATURE":
      return `The ${details.join(" and ") || "Signature-Input"} header cannot be read as RFC 9421 says.`;
    case "UNSUPPORTED_ALGORITHM":
      return "Only the hmac-sha256 signature algorithm is accepted.";
    case "UNSIGNED_HEADERS":
      return `The signature must cover ${details.join(", ")}.`;
    case "MISSING_COMPONENT":
      return `The signature covers ${details.join(", ")}, which the request does not have.`;
    case "NO_DATE":
      return "The request has no valid Date header.";
    case "CLOCK_SKEW":
      return "The request's Date is more than 5 minutes from the broker's clock: check this computer's time.";
    case "EXPIRED":
      return "The signature has expired (its expires parameter has passed): sign the request again.";
    case "BAD_SIGNATURE":
      // An unknown key and a wrong secret share this, so keys cannot be probed.
      return "The signature does not match: check the access key id and secret.";
    case "DIGEST_MISMATCH":
      return `The body does not match the signed ${details[0] ?? "Digest"} header.`;
    case "REPLAYED":
      return "This signature was already used: each signed request is accepted once, so sign every request anew.";
  }
}

export function authRefusal(
  reason: AuthRefusalReason,
  details: readonly string[] = [],
): AuthRefusal {
  return { reason, message: sentence(reason, details) };
}
