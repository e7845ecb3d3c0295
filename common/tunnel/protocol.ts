// The wire protocol between an agent and the broker.
//
// Control channel: one WebSocket per device (GET /tunnel/v1/control, R3-signed), carrying
// the JSON messages below. Data path: pooled TCP connections (GET /tunnel/v1/data,
// upgraded to raw bytes). The agent keeps a few idle ones open; to carry a visitor the
// broker takes one, writes a stream header naming the service, and from then on the
// connection carries that visitor's bytes and nothing else. TCP's own flow control
// applies end to end, and no framing sits in the data path. The upgrades' request and
// answer lines are in upgrade.ts, the hello's version rules in version.ts.
import { z } from "zod";
import { directEndpointSchema, MAX_DIRECT_ENDPOINTS } from "../p2p/direct-link.js";
import { UNANNOUNCED_VERSION } from "./version.js";

export const CONTROL_PATH = "/tunnel/v1/control";
export const DATA_PATH = "/tunnel/v1/data";
export const DATA_UPGRADE_PROTOCOL = "reach-tunnel";
/**
 * The relay of on-demand connections (proxy failover): a client upgrades
 * GET /tunnel/v1/relay, presenting its peer session's token, and the connection then
 * carries one local socket's bytes to the session's service.
 */
export const RELAY_PATH = "/tunnel/v1/relay";
export const RELAY_UPGRADE_PROTOCOL = "reach-relay";

export const serviceSpecSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, "letters, digits, dot, dash or underscore"),
  application: z.number().int().positive(),
  port: z.number().int().min(1).max(65535),
  host: z.string().min(1).max(253),
});
export type ServiceSpec = z.infer<typeof serviceSpecSchema>;

/** A device tag (remote.it's `tags { name }`), as `reach agent --tag` gives it. */
export const deviceTagSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\p{L}\p{N} ._:-]+$/u, "letters, digits, space, dot, colon, dash or underscore");

export const helloSchema = z.object({
  type: z.literal("hello"),
  /** The tunnel protocol version the agent speaks (version.ts). */
  protocol: z.number().int().positive().default(UNANNOUNCED_VERSION),
  hardwareId: z.string().min(8).max(128),
  name: z.string().min(1).max(128),
  services: z.array(serviceSpecSchema).max(256),
  /** Optional within protocol 1: an agent that sends none gets none, and older brokers ignore it. */
  tags: z.array(deviceTagSchema).max(32).optional(),
});
export type Hello = z.infer<typeof helloSchema>;

export const welcomeSchema = z.object({
  type: z.literal("welcome"),
  deviceId: z.string(),
  services: z.array(z.object({ id: z.string(), name: z.string() })),
  /** Presented on every data connection of this session. */
  dataToken: z.string(),
  /** How many idle data connections the broker wants kept open. */
  poolSize: z.number().int().min(0),
  /** The UDP port of the broker's STUN responder (on the broker's host), or null. */
  stunPort: z.number().int().min(1).max(65535).nullable().default(null),
});
export type Welcome = z.infer<typeof welcomeSchema>;

/** Broker → agent: the pool ran dry, open this many more data connections. */
export const openDataSchema = z.object({ type: z.literal("open"), count: z.number().int().min(1) });

/**
 * Broker → agent (protocol 2): open one data connection to another broker node of the
 * cluster, at `url` (its listener's origin), presenting `token` instead of the session's
 * data token. That node has a visitor for this device; the connection carries that one
 * visitor straight from there, so bytes never relay from node to node. It is not pooled:
 * once taken it is not replaced, and if unused it is not reopened.
 */
export const dialSchema = z.object({
  type: z.literal("dial"),
  url: z.string().url().max(2048),
  token: z.string().min(16).max(128),
});
export type Dial = z.infer<typeof dialSchema>;

/**
 * Broker → agent: a client the broker authorised wants a peer-to-peer session with one
 * service. The agent answers with its own description; the client must then present
 * `token` as the first message of every data channel, and the first one before
 * `tokenExpiresAt`.
 */
export const peerOfferSchema = z.object({
  type: z.literal("peer-offer"),
  sessionId: z.string().min(1).max(64),
  serviceId: z.string().min(1).max(64),
  token: z.string().min(16).max(128),
  tokenExpiresAt: z.number(),
  offer: z.string().min(1).max(16_384),
});
export type PeerOffer = z.infer<typeof peerOfferSchema>;

/**
 * Broker → agent: the client's ICE candidates, sent only once the client has applied the
 * agent's answer (see peer-path.ts for why they are held back until then).
 */
export const peerCandidatesSchema = z.object({
  type: z.literal("peer-candidates"),
  sessionId: z.string().min(1).max(64),
  mid: z.string().min(1).max(64),
  candidates: z.array(z.string().min(1).max(512)).max(64),
});

/** Broker → agent: the client ended this peer session. */
export const peerCloseSchema = z.object({
  type: z.literal("peer-close"),
  sessionId: z.string().min(1).max(64),
});

export const brokerMessageSchema = z.discriminatedUnion("type", [
  welcomeSchema,
  openDataSchema,
  dialSchema,
  peerOfferSchema,
  peerCandidatesSchema,
  peerCloseSchema,
]);
export type BrokerMessage = z.infer<typeof brokerMessageSchema>;

/** Agent → broker, after hello: the answer to a peer offer, or why there is none. */
export const peerAnswerSchema = z.object({
  type: z.literal("peer-answer"),
  sessionId: z.string().min(1).max(64),
  answer: z.string().min(1).max(16_384),
  /**
   * The agent's own addresses where the client may try the direct path
   * (common/p2p/direct-link.ts); absent from agents without one, and then none is tried.
   */
  direct: z.array(directEndpointSchema).max(MAX_DIRECT_ENDPOINTS).optional(),
});
export const peerRefusedSchema = z.object({
  type: z.literal("peer-refused"),
  sessionId: z.string().min(1).max(64),
  reason: z.string().max(500),
});
export const agentMessageSchema = z.discriminatedUnion("type", [
  peerAnswerSchema,
  peerRefusedSchema,
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;

/** Stream header: the first bytes the broker writes on a data connection it takes. */
export interface StreamHeader {
  serviceId: string;
}

/** Header frame: a 2-byte big-endian length, then that many bytes of JSON. */
export function encodeStreamHeader(header: StreamHeader): Buffer {
  const body = Buffer.from(JSON.stringify(header));
  const frame = Buffer.allocUnsafe(2 + body.length);
  frame.writeUInt16BE(body.length, 0);
  body.copy(frame, 2);
  return frame;
}

/** Built once: making a zod schema costs more than parsing with it (this runs per visitor). */
const streamHeaderSchema = z.object({ serviceId: z.string() });

/** Returns the header and the bytes after it, or null while the frame is incomplete. */
export function decodeStreamHeader(buffer: Buffer): { header: StreamHeader; rest: Buffer } | null {
  if (buffer.length < 2) return null;
  const length = buffer.readUInt16BE(0);
  if (buffer.length < 2 + length) return null;
  const parsed = streamHeaderSchema.parse(
    JSON.parse(buffer.subarray(2, 2 + length).toString("utf8")),
  );
  return { header: parsed, rest: buffer.subarray(2 + length) };
}
