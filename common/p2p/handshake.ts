// The P2P handshake, written once for both ends (the agent's peer-host.ts, the client's
// peer-path.ts): how the session's descriptions are shaped so that ICE and DTLS come up in
// an order that cannot race, and how a client proves on its first data channel that the
// broker admitted it to the session. Neither end spells a label, message or SDP rule of
// its own; see docs/on-demand.md for why each rule exists.
import { timingSafeEqual } from "node:crypto";

/** The first channel a client opens: it carries the token and the agent's reply, nothing else. */
export const CONTROL_CHANNEL_LABEL = "control";
/** The agent's reply once the token matched: the path is verified end to end. */
export const VERIFIED_REPLY = "ok";
const TOKEN_PREFIX = "auth:";
/**
 * Keepalive on the control channel once the path is verified: the client pings, the agent
 * answers each ping with a pong. A killed agent sends no SCTP abort and libdatachannel
 * takes seconds to call the connection disconnected; a missing pong says it sooner.
 */
export const KEEPALIVE_PING = "ping";
export const KEEPALIVE_PONG = "pong";

/** The client's first message on the control channel. */
export function tokenMessage(token: string): string {
  return `${TOKEN_PREFIX}${token}`;
}

/** Whether a control-channel message presents `token`; compared in constant time. */
export function presentsToken(message: string, token: string): boolean {
  const presented = Buffer.from(
    message.startsWith(TOKEN_PREFIX) ? message.slice(TOKEN_PREFIX.length) : "",
  );
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** The label of a session's `index`-th stream channel (any label but the control one). */
export function streamChannelLabel(index: number): string {
  return `s${index}`;
}

/**
 * Takes the candidates out of an offer. The agent gets them only after the client has
 * applied its answer: with them it would start connectivity checks at once, the client's
 * ICE would connect on its checks before it knows the agent's certificate fingerprint,
 * and libdatachannel would then fail the DTLS handshake it starts regardless. Without them
 * the agent waits for the client's checks, which only start once the answer is in.
 */
export function splitCandidates(sdp: string): {
  description: string;
  mid: string;
  candidates: string[];
} {
  const lines = sdp.split(/\r?\n/);
  const candidates = lines
    .filter((line) => line.startsWith("a=candidate:"))
    .map((line) => line.slice(2));
  const description = lines
    .filter((line) => !line.startsWith("a=candidate:") && line !== "a=end-of-candidates")
    .join("\r\n");
  const mid = /^a=mid:(\S+)$/m.exec(sdp)?.[1] ?? "0";
  return { description, mid, candidates };
}

/** A candidate as libdatachannel takes it: without the SDP attribute's `a=`, if sent with it. */
export function bareCandidate(candidate: string): string {
  return candidate.replace(/^a=/, "");
}

/**
 * Makes the offering client the DTLS client. Left to choose, the answering agent takes
 * that role and starts its handshake the moment ICE connects, which can be before the
 * client has even received the answer; under load that race failed whole sessions.
 * When the client starts the handshake, it always knows both sides already.
 */
export function asDtlsClientOffer(sdp: string): string {
  return sdp.replace(/^a=setup:actpass$/gm, "a=setup:active");
}
