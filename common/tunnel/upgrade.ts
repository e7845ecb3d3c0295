// The raw HTTP upgrades of the tunnel's byte paths, written once for both ends: the agent's
// pooled data connections (GET /tunnel/v1/data to reach-tunnel) and on-demand relay
// streams (GET /tunnel/v1/relay to reach-relay). Each is a plain HTTP/1.1 Upgrade with a
// bearer token, answered 101 and then raw bytes, or refused with a status and a JSON
// {"error": sentence}. A data connection is opened per visitor, so the 101 lines are built
// once per path and the answer is read without copying.
import type { IncomingHttpHeaders } from "node:http";
import {
  DATA_PATH,
  DATA_UPGRADE_PROTOCOL,
  RELAY_PATH,
  RELAY_UPGRADE_PROTOCOL,
} from "./protocol.js";

export interface ByteUpgrade {
  readonly path: string;
  readonly protocol: string;
  /** The broker's answer that switches a connection to raw bytes. */
  readonly switched: string;
}

function byteUpgrade(path: string, protocol: string): ByteUpgrade {
  return {
    path,
    protocol,
    switched: `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${protocol}\r\n\r\n`,
  };
}

export const DATA_UPGRADE = byteUpgrade(DATA_PATH, DATA_UPGRADE_PROTOCOL);
export const RELAY_UPGRADE = byteUpgrade(RELAY_PATH, RELAY_UPGRADE_PROTOCOL);

/** The request as raw lines, for a client that writes on its own socket (the agent). */
export function upgradeRequestLines(upgrade: ByteUpgrade, host: string, token: string): string {
  return (
    `GET ${upgrade.path} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\n` +
    `Upgrade: ${upgrade.protocol}\r\nAuthorization: Bearer ${token}\r\n\r\n`
  );
}

/** The same request's headers, for a client that goes through node:http (the relay path). */
export function upgradeRequestHeaders(upgrade: ByteUpgrade, token: string): Record<string, string> {
  return { connection: "Upgrade", upgrade: upgrade.protocol, authorization: `Bearer ${token}` };
}

const BEARER = /^Bearer (\S+)$/;

/** The token a request presents for `upgrade`, or undefined when it asks for anything else. */
export function upgradeToken(
  upgrade: ByteUpgrade,
  headers: IncomingHttpHeaders,
): string | undefined {
  if (headers.upgrade?.toLowerCase() !== upgrade.protocol) return undefined;
  return BEARER.exec(headers.authorization ?? "")?.[1];
}

/** An answer head longer than this is not the broker's: the connection is given up. */
const MAX_ANSWER_HEAD_BYTES = 16 * 1024;
const SWITCHED_STATUS = Buffer.from("HTTP/1.1 101");
const HEAD_END = "\r\n\r\n";
/** switchedHeadLength: the answer's head has not all arrived yet. */
export const ANSWER_INCOMPLETE = 0;
/** switchedHeadLength: the broker refused (any status but 101, or a head too long). */
export const ANSWER_REFUSED = -1;

/**
 * Reads the broker's answer at the start of `buffer`: the length of a complete 101 head
 * (the raw bytes follow it), ANSWER_INCOMPLETE while it is still arriving, or
 * ANSWER_REFUSED.
 */
export function switchedHeadLength(buffer: Buffer): number {
  const end = buffer.indexOf(HEAD_END);
  if (end === -1) {
    return buffer.length > MAX_ANSWER_HEAD_BYTES ? ANSWER_REFUSED : ANSWER_INCOMPLETE;
  }
  const status = SWITCHED_STATUS.length;
  const switched =
    buffer.length >= status && SWITCHED_STATUS.compare(buffer, 0, status, 0, status) === 0;
  return switched ? end + HEAD_END.length : ANSWER_REFUSED;
}

/** A refused upgrade: the status, and a JSON body naming why; the connection then closes. */
export function refusalResponse(status: number, message: string): string {
  const body = JSON.stringify({ error: message });
  return `HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** The sentence of a refusal's body, or null when the body is not one of ours. */
export function refusalMessage(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === "string" && parsed.error ? parsed.error : null;
  } catch {
    return null;
  }
}
