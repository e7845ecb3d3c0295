// The forged, garbled, stale and misdirected R3 signatures of the hostile-auth scenario.
// Every one is built with common/r3-signature.ts (signRequest through signFor), changing
// one thing a real client would get right, and must be refused with 401 UNAUTHENTICATED.
import { randomBytes } from "node:crypto";
import { createSignedFetch } from "../../common/r3-fetch.js";
import { gql, type RawReply, sendRaw, sendSigned, signFor } from "./raw-api.js";
import type { Keys } from "./stack.js";

export interface AuthAttempt {
  name: string;
  send(): Promise<RawReply>;
  /** Statuses that count as refused; 401 UNAUTHENTICATED unless a header is too big to parse. */
  refusedWith: number[];
}

const MINUTE = 60_000;
/** A harmless query: were a forgery accepted, it would change nothing. */
export const LOGIN = gql("{ login { email } }");

/** Header-safe random text (latin1 printable and high bytes), as a fuzzer would send. */
function randomHeaderText(bytes: number): string {
  return [...randomBytes(bytes)]
    .map((b) => String.fromCharCode(b < 0x21 ? b + 0x21 : b === 0x7f ? 0x7e : b))
    .join("");
}

/** A real client's signed request for `body`, as it left createSignedFetch. */
export async function captureSigned(apiUrl: string, keys: Keys, body: string) {
  let headers = new Headers();
  const signedFetch = createSignedFetch(keys, async (_url, init) => {
    headers = new Headers(init?.headers);
    return new Response("{}");
  });
  await signedFetch(apiUrl, { method: "POST", body });
  return {
    date: headers.get("date") ?? "",
    authorization: headers.get("authorization") ?? "",
    digest: headers.get("digest") ?? "",
    "content-type": headers.get("content-type") ?? "",
  };
}

/** `body` padded with JSON whitespace to `length` bytes. */
export function padTo(body: string, length: number): string {
  return body + " ".repeat(Math.max(0, length - Buffer.byteLength(body)));
}

export function authAttempts(apiUrl: string, owner: Keys, other: Keys): AuthAttempt[] {
  const unauthenticated = [401];
  const raw = (
    name: string,
    headers: Record<string, string>,
    refusedWith = unauthenticated,
  ): AuthAttempt => ({
    name,
    refusedWith,
    send: () => sendRaw(apiUrl, LOGIN, { headers }),
  });
  const now = () => new Date().toUTCString();
  const good = () => signFor(apiUrl, owner, LOGIN);
  const withAuthorization = (name: string, authorization: (valid: string) => string) =>
    raw(name, { date: now(), authorization: authorization(good().authorization) });
  const signed = (
    name: string,
    sign: Parameters<typeof sendSigned>[3],
    keys = owner,
  ): AuthAttempt => ({
    name,
    refusedWith: unauthenticated,
    send: () => sendSigned(apiUrl, keys, LOGIN, sign),
  });
  const attempts: AuthAttempt[] = [
    raw("no Authorization, no Date", {}),
    raw("no Authorization", { date: now() }),
    raw("empty Authorization", { date: now(), authorization: "" }),
    raw("Basic scheme", {
      date: now(),
      authorization: `Basic ${Buffer.from("owner:secret").toString("base64")}`,
    }),
    raw("Bearer scheme", { date: now(), authorization: `Bearer ${owner.secretAccessKey}` }),
    raw("Signature with no parameters", { date: now(), authorization: "Signature" }),
    raw("unterminated quote", {
      date: now(),
      authorization: `Signature keyId="${owner.accessKeyId}`,
    }),
    withAuthorization("valid header, wrong scheme name", (v) =>
      v.replace(/^Signature/, "Signatur"),
    ),
    withAuthorization("truncated signature", (v) =>
      v.replace(
        /signature="([^"]*)"/,
        (_m, sig: string) => `signature="${sig.slice(0, sig.length / 2)}"`,
      ),
    ),
    withAuthorization("signature with one character changed", (v) =>
      v.replace(/signature="(.)/, (_m, c: string) => `signature="${c === "A" ? "B" : "A"}`),
    ),
    withAuthorization("empty signature", (v) => v.replace(/signature="[^"]*"/, 'signature=""')),
    withAuthorization("keyId twice", (v) =>
      v.replace("Signature ", `Signature keyId="${other.accessKeyId}",`),
    ),
    withAuthorization("algorithm hmac-sha1", (v) => v.replace("hmac-sha256", "hmac-sha1")),
    withAuthorization("algorithm none", (v) => v.replace("hmac-sha256", "none")),
    withAuthorization("unknown keyId", (v) =>
      v.replace(owner.accessKeyId, `AK${randomBytes(8).toString("hex").toUpperCase()}`),
    ),
    withAuthorization("the other user's keyId, the owner's signature", (v) =>
      v.replace(owner.accessKeyId, other.accessKeyId),
    ),
    withAuthorization("8 KiB Authorization", (v) => `${v},padding="${"x".repeat(8192)}"`),
    raw(
      "64 KiB Authorization",
      { date: now(), authorization: `Signature keyId="${"k".repeat(64 * 1024)}"` },
      [400, 431],
    ),
    signed(
      "wrong secret",
      {},
      { accessKeyId: owner.accessKeyId, secretAccessKey: randomBytes(32).toString("base64") },
    ),
    signed(
      "the other user's secret",
      {},
      { accessKeyId: owner.accessKeyId, secretAccessKey: other.secretAccessKey },
    ),
    signed("Date 6 minutes old", { date: new Date(Date.now() - 6 * MINUTE) }),
    signed("Date 6 minutes ahead", { date: new Date(Date.now() + 6 * MINUTE) }),
    signed("Date a year old", { date: new Date(Date.now() - 365 * 24 * 60 * MINUTE) }),
    signed("headers list without host", {
      headerNames: ["(request-target)", "date", "content-type", "content-length"],
    }),
    signed("headers list without (request-target)", {
      headerNames: ["host", "date", "content-type", "content-length"],
    }),
    signed("headers list without date", {
      headerNames: ["(request-target)", "host", "content-type", "content-length"],
    }),
    signed("headers list of date only", { headerNames: ["date"] }),
    signed("signed for another Host", { host: "evil.example:443" }),
    signed("signed for another path", { path: "/graphql/v2" }),
    signed("signed for GET", { method: "GET" }),
  ];
  attempts.push({
    name: "signed for another Content-Type",
    refusedWith: unauthenticated,
    send: () => {
      const sig = signFor(apiUrl, owner, LOGIN, { contentType: "text/plain" });
      return sendRaw(apiUrl, LOGIN, {
        headers: { date: sig.date, authorization: sig.authorization },
      });
    },
  });
  for (let i = 0; i < 8; i++) {
    attempts.push(
      raw(`random bytes #${i + 1}`, { date: now(), authorization: randomHeaderText(16 + i * 64) }),
    );
    attempts.push(
      raw(`"Signature " and random bytes #${i + 1}`, {
        date: now(),
        authorization: `Signature ${randomHeaderText(16 + i * 64)}`,
      }),
    );
  }
  attempts.push({
    name: "no Date header at all",
    refusedWith: unauthenticated,
    send: () => sendRaw(apiUrl, LOGIN, { headers: { authorization: good().authorization } }),
  });
  attempts.push({
    name: "unparseable Date",
    refusedWith: unauthenticated,
    send: () => {
      const sig = signFor(apiUrl, owner, LOGIN);
      return sendRaw(apiUrl, LOGIN, {
        headers: { date: "yesterday", authorization: sig.authorization },
      });
    },
  });
  attempts.push({
    name: "two Date headers",
    refusedWith: unauthenticated,
    send: () => {
      const sig = signFor(apiUrl, owner, LOGIN);
      return sendRaw(apiUrl, LOGIN, {
        // "Date" rather than "date": the typed key takes one value, the index any number.
        headers: { Date: [sig.date, sig.date], authorization: sig.authorization },
      });
    },
  });
  return attempts;
}

/**
 * A real client's signature replayed on other bodies: a same-length body (the Digest the
 * client signed no longer matches), a longer one (Content-Length), the same body with its
 * Digest header changed or removed. `swap` is what an attacker would rather run.
 */
export async function replayAttempts(
  apiUrl: string,
  owner: Keys,
  swap: string,
): Promise<AuthAttempt[]> {
  const original = padTo(LOGIN, Buffer.byteLength(swap));
  const captured = await captureSigned(apiUrl, owner, original);
  const resend = (name: string, body: string, headers: Record<string, string>): AuthAttempt => ({
    name,
    refusedWith: [401],
    send: () => sendRaw(apiUrl, body, { headers }),
  });
  const { digest, ...withoutDigest } = captured;
  return [
    resend("a client's signature on another body of the same length", swap, captured),
    resend("a client's signature on a longer body", `${swap} `, captured),
    resend("a client's signature, its Digest swapped to match another body", swap, {
      ...captured,
      digest: (await captureSigned(apiUrl, owner, swap)).digest,
    }),
    resend("a client's signature with its Digest header removed", original, withoutDigest),
    resend("a client's signature with a SHA-512 Digest", original, {
      ...captured,
      digest: digest.replace("SHA-256", "SHA-512"),
    }),
  ];
}
