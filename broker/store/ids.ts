// Identifiers in the shapes remote.it uses. Device and service ids are random (not
// sequential) so that one user cannot guess another's.
import { randomBytes } from "node:crypto";

/** `80:00:00:XX:XX:XX:XX:XX`, like a remote.it device or service address. */
export function newServiceAddress(): string {
  const tail = [...randomBytes(5)].map((b) => b.toString(16).padStart(2, "0").toUpperCase());
  return ["80", "00", "00", ...tail].join(":");
}

/** An access key id: 20 upper-case letters and digits, like remote.it's and AWS's. */
export function newAccessKeyId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  return [...randomBytes(20)].map((b) => alphabet[b % 32]).join("");
}

/** A secret access key: 32 random bytes, base64 (the signature keys HMAC with the bytes). */
export function newSecretAccessKey(): string {
  return randomBytes(32).toString("base64");
}

/** A reverse-proxy subdomain label: 16 characters of [a-z0-9] (about 82 bits). */
export function newSubdomainLabel(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  // 252 is the largest multiple of 36 below 256: rejecting bytes above it keeps every
  // character equally likely.
  let label = "";
  while (label.length < 16) {
    for (const byte of randomBytes(24)) {
      if (byte < 252 && label.length < 16) label += alphabet[byte % 36];
    }
  }
  return label;
}
