// What each signature scheme's verifier hands back to verifyR3: who signed, or why not.
import type { AuthRefusal } from "../../common/graphql/auth-refusals.js";
import type { User } from "../store/store.js";

/** A body hash the signature covers, checked once the body is read (checkBodyDigest). */
export interface BodyDigest {
  /** `digest` (RFC 3230, `SHA-256=<b64>`) or `content-digest` (RFC 9530, `sha-256=:<b64>:`). */
  header: "digest" | "content-digest";
  value: string;
}

export type Verified =
  | {
      ok: true;
      user: User;
      /** Names this signature among all accepted ones, for the replay cache. */
      replayKey: string;
      /** When the request says it was signed (Date or `created`), ms since the epoch. */
      signedAt: number;
      bodyDigest?: BodyDigest;
    }
  | ({ ok: false } & AuthRefusal);

export interface IncomingSignedRequest {
  method: string;
  /** Path plus query, as on the request line. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A header's value when it was sent once; repeated headers count as absent. */
export function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}
