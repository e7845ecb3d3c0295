// The direct path of an on-demand connection, written once for both ends: when the client
// can reach one of the agent's own addresses over TCP (the same LAN, or the same machine),
// the path's local sockets are streams on one TLS connection straight to the agent (the
// frames: direct-mux.ts), and the kernel carries the bytes as it does on the relay. WebRTC's data channels cost about 10 CPU-seconds per
// GiB on each end at their 1,280-byte packets (docs/on-demand.md); a TCP stream costs a
// fraction of that. WebRTC over UDP stays for peers behind NATs.
//
// The rules, and why:
// - The agent offers its endpoints only in its answer to a peer offer, which reaches it
//   over its authenticated control channel for a session the broker opened: the broker
//   still authorises every session.
// - TLS-PSK, keyed by the session token: the key is HKDF(token), the identity is the
//   session id. No certificates to make or pin, both ends prove they hold the token, and
//   a client without it never completes a handshake, so it never reaches the service.
// - ECDHE-PSK suites only: each connection gets fresh keys (forward secrecy), the token
//   authenticates. TLS 1.2, because Node offers external PSKs only there.
// - After the handshake the client sends one byte, DIRECT_MUX (direct-mux.ts), and the
//   agent dials the service only for each stream the client then opens: the client finds
//   a reachable address by completing handshakes with all of them at once, and those
//   probes must not reach the service (an SSH server would log each one).
// - Older clients send DIRECT_START per socket instead (then the connection is the
//   service's bytes, both ways, half-close included) beside one DIRECT_WATCH keepalive;
//   the agent still serves them, at one handshake per socket.
import { hkdfSync } from "node:crypto";
import { z } from "zod";

export const directEndpointSchema = z.object({
  host: z.string().min(1).max(64),
  port: z.number().int().min(1).max(65535),
});
export type DirectEndpoint = z.infer<typeof directEndpointSchema>;

/** An older client's first byte on a connection that carries one socket (a probe sends none). */
export const DIRECT_START = 0x01;
/**
 * The agent's first byte back, once it has reached the service. Until it arrives the
 * client reads nothing from its local socket, so a connection that dies before it (the
 * agent just went) hands the socket to another path rather than resetting it.
 */
export const DIRECT_READY = 0x01;
/**
 * The first byte of the client's one keepalive connection per path: the agent echoes every
 * byte on it. Its close tells the client at once that the agent went (a killed process's
 * sockets close); a silent echo tells it within the health bound when the machine did.
 */
export const DIRECT_WATCH = 0x02;

/** An agent offers at most this many of its addresses. */
export const MAX_DIRECT_ENDPOINTS = 8;

export const DIRECT_TLS = {
  ciphers: "ECDHE-PSK-CHACHA20-POLY1305:ECDHE-PSK-AES128-CBC-SHA256",
  minVersion: "TLSv1.2",
  maxVersion: "TLSv1.2",
} as const;

/** The pre-shared key of a session: both ends derive it from the token the broker issued. */
export function directKey(sessionId: string, token: string): Buffer {
  return Buffer.from(hkdfSync("sha256", token, "reach-direct-v1", sessionId, 32));
}
