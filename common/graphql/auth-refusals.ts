// Why the broker refused a request's signature: a code in `extensions.reason`, beside
// remote.it's `extensions.code` (UNAUTHENTICATED). Clients branch on the reason (a clock
// that is off is the user's to fix); the sentence is only ever shown. This module is the
// one place a reason becomes words.

export type AuthRefusalReason =
  | "UNSIGNED"
  | "UNSUPPORTED_ALGORITHM"
  | "UNSIGNED_HEADERS"
  | "NO_DATE"
  | "CLOCK_SKEW"
  | "BAD_SIGNATURE"
  | "DIGEST_MISMATCH";

export interface AuthRefusal {
  reason: AuthRefusalReason;
  message: string;
}

/** The sentence for a reason; UNSIGNED_HEADERS names the headers the signature left out. */
function sentence(reason: AuthRefusalReason, missingHeaders: readonly string[]): string {
  switch (reason) {
    case "UNSIGNED":
      return 'The request is not signed: send Authorization: Signature keyId="…",signature="…".';
    case "UNSUPPORTED_ALGORITHM":
      return "Only the hmac-sha256 signature algorithm is accepted.";
    case "UNSIGNED_HEADERS":
      return `The signature must cover ${missingHeaders.join(", ")}.`;
    case "NO_DATE":
      return "The request has no valid Date header.";
    case "CLOCK_SKEW":
      return "The request's Date is more than 5 minutes from the broker's clock: check this computer's time.";
    case "BAD_SIGNATURE":
      // An unknown key and a wrong secret share this, so keys cannot be probed.
      return "The signature does not match: check the access key id and secret.";
    case "DIGEST_MISMATCH":
      return "The body does not match the signed Digest header.";
  }
}

export function authRefusal(
  reason: AuthRefusalReason,
  missingHeaders: readonly string[] = [],
): AuthRefusal {
  return { reason, message: sentence(reason, missingHeaders) };
}
