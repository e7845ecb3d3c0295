// The protocol between the broker nodes of a cluster, written once for both ends: the
// asking node (node-client.ts) and the answering one (node-server.ts). Plain JSON POSTs on
// each node's one listener, under /cluster/v1/, authenticated by the cluster's secret (made
// once in the shared store). Nodes find each other's addresses in the store (nodes table).
//
// Why a direct channel rather than PostgreSQL's LISTEN/NOTIFY (docs/cluster.md has the
// figures): a request/reply fits what nodes ask of each other (place a connection, reach a
// device) where NOTIFY has no reply; it keeps the database off the path of every
// cross-node visitor; and it keeps working while the database is down.
import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { directEndpointSchema, MAX_DIRECT_ENDPOINTS } from "../../common/p2p/direct-link.js";

export const CLUSTER_PATH_PREFIX = "/cluster/v1/";
/** The header carrying the cluster secret. */
export const CLUSTER_SECRET_HEADER = "x-reach-cluster-secret";
/** A node's request body is small; anything larger is not ours. */
export const MAX_CLUSTER_BODY = 64 * 1024;

/**
 * "Have the device's agent open a data connection to me": the asking node has a visitor
 * for this device and waits for a data connection presenting `token` at `url`.
 */
export const dialRequestSchema = z.object({
  deviceId: z.string().min(1).max(64),
  url: z.string().url().max(2048),
  token: z.string().min(16).max(128),
});
export type DialRequest = z.infer<typeof dialRequestSchema>;

/** Whether the agent was asked; why not otherwise (it moved, or speaks protocol 1). */
export const dialReplySchema = z.object({
  ok: z.boolean(),
  reason: z.enum(["not-here", "old-agent"]).optional(),
});
export type DialReply = z.infer<typeof dialReplySchema>;

/** "Serve this connect": the node holding the device's tunnel serves its connection. */
export const connectRequestSchema = z.object({
  userId: z.string().min(1).max(64),
  serviceId: z.string().min(1).max(64),
  hostIP: z.string().max(64),
  type: z.enum(["PORT_PROXY", "REVERSE_PROXY", "AUTO_PROXY"]),
});
export type ConnectRequest = z.infer<typeof connectRequestSchema>;

const connectionViewSchema = z.object({
  id: z.string(),
  created: z.string(),
  host: z.string(),
  port: z.number().nullable(),
  reverseProxy: z.boolean(),
  timeout: z.number(),
  url: z.string(),
  serviceId: z.string(),
  hostIP: z.string(),
});

/** An API error the answering node raised, passed on to the caller as it is. */
const apiErrorReplySchema = z.object({
  error: z.object({ code: z.string().max(64), message: z.string().max(2000) }),
});
export type ApiErrorReply = z.infer<typeof apiErrorReplySchema>;

/** The connection made, or the API error to pass on as it is. */
export const connectReplySchema = z.union([
  z.object({ connection: connectionViewSchema }),
  apiErrorReplySchema,
]);
export type ConnectReply = z.infer<typeof connectReplySchema>;

/**
 * A peer-session call for the node that holds the session (its id names the node) or, to
 * open one, the device's tunnel: offers and candidates go over that agent's control channel.
 */
const userId = z.string().min(1).max(64);
const sessionId = z.string().min(1).max(64);
export const peerRequestSchema = z.discriminatedUnion("op", [
  z.object({
    op: z.literal("open"),
    userId,
    serviceId: z.string().min(1).max(64),
    offer: z.string().max(16_384).nullable(),
  }),
  z.object({ op: z.literal("offer"), userId, id: sessionId, offer: z.string().max(16_384) }),
  z.object({
    op: z.literal("candidates"),
    userId,
    id: sessionId,
    mid: z.string().max(64),
    candidates: z.array(z.string().max(512)).max(64),
  }),
  z.object({ op: z.literal("close"), userId, id: sessionId }),
  z.object({ op: z.literal("find"), userId, id: sessionId }),
]);
export type PeerRequest = z.infer<typeof peerRequestSchema>;

const peerSessionViewSchema = z.object({
  id: z.string(),
  serviceId: z.string(),
  token: z.string(),
  answer: z.string().nullable(),
  direct: z.array(directEndpointSchema).max(MAX_DIRECT_ENDPOINTS),
  p2pError: z.string().nullable(),
  stunPort: z.number().nullable(),
  created: z.string(),
  expires: z.string(),
  relayBytesUp: z.number(),
  relayBytesDown: z.number(),
  relayStreams: z.number(),
});

/** The session (open, offer, find: null when absent), a yes/no (candidates, close), or an error. */
export const peerReplySchema = z.union([
  z.object({ result: z.union([peerSessionViewSchema, z.boolean(), z.null()]) }),
  apiErrorReplySchema,
]);
export type PeerReply = z.infer<typeof peerReplySchema>;

/** "Whose relay token is this?": a relay stream landed on a node that does not hold it. */
export const relaySessionRequestSchema = z.object({ token: z.string().min(16).max(128) });
export const relaySessionReplySchema = z.object({
  session: z.object({ deviceId: z.string(), serviceId: z.string() }).nullable(),
});

/**
 * "These connections ended, for this reason": whoever serves them stops, and the node that
 * owns them tells its subscribers (the node that ended one may serve none of it).
 */
export const endedNoticeSchema = z.object({
  ids: z.array(z.string().min(1).max(64)).max(1000),
  reason: z.enum(["disconnected", "expired", "idle", "removed"]),
});
export type EndedNotice = z.infer<typeof endedNoticeSchema>;

const connectionRowSchema = z.object({
  id: z.string(),
  userId: z.string(),
  serviceId: z.string(),
  created: z.string(),
  expiresAt: z.number(),
  timeout: z.number(),
  reverseProxy: z.boolean(),
  host: z.string(),
  port: z.number().nullable(),
  url: z.string(),
  hostIP: z.string(),
  latchedIp: z.string().nullable(),
  node: z.number(),
});
const serviceRowSchema = z.object({
  id: z.string(),
  deviceId: z.string(),
  name: z.string(),
  application: z.number(),
  port: z.number(),
  host: z.string(),
  created: z.string(),
});

/** An event published on another node, for subscribers here (event-bus.ts SharedEventBody). */
export const eventNoticeSchema = z.object({
  userId: z.string().min(1).max(64),
  body: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("device"), deviceId: z.string(), online: z.boolean() }),
    z.object({
      kind: z.literal("connection"),
      action: z.enum(["opened", "ended"]),
      reason: z.enum(["disconnected", "expired", "idle", "removed"]).nullable(),
      connection: connectionRowSchema,
      service: serviceRowSchema,
    }),
  ]),
});

export const CLUSTER_OPERATIONS = {
  dial: { request: dialRequestSchema, reply: dialReplySchema },
  connect: { request: connectRequestSchema, reply: connectReplySchema },
  ended: { request: endedNoticeSchema, reply: z.object({}) },
  peer: { request: peerRequestSchema, reply: peerReplySchema },
  event: { request: eventNoticeSchema, reply: z.object({}) },
  /** "Links changed here": re-read them now rather than at the next periodic read. */
  "links-changed": { request: z.object({}), reply: z.object({}) },
  "relay-session": { request: relaySessionRequestSchema, reply: relaySessionReplySchema },
} as const;
export type ClusterOperation = keyof typeof CLUSTER_OPERATIONS;
export type ClusterRequest<O extends ClusterOperation> = z.infer<
  (typeof CLUSTER_OPERATIONS)[O]["request"]
>;
export type ClusterReply<O extends ClusterOperation> = z.infer<
  (typeof CLUSTER_OPERATIONS)[O]["reply"]
>;

export function isClusterOperation(name: string): name is ClusterOperation {
  return Object.hasOwn(CLUSTER_OPERATIONS, name);
}

/** Compares a presented secret with the cluster's in constant time. */
export function secretMatches(presented: string | undefined, secret: string): boolean {
  if (!presented) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(presented), digest(secret));
}
