// Peer sessions across a cluster: the API's calls for on-demand sessions reach the node
// that can serve them. A new session is opened where the device's tunnel is (offers and
// candidates travel over that agent's control channel); later calls go to the node its id
// names. A broker alone, or a session of this node's, is served here as it always was.
import type { PeerSessionView } from "../../common/graphql/schema.js";
import { unhandled } from "../../common/unhandled.js";
import { apiCodeOf, apiError } from "../api/api-error.js";
import { type PeerSessions, peerSessionNode } from "../p2p/peer-sessions.js";
import type { DeviceStore } from "../store/store.js";
import type { Cluster } from "./cluster.js";
import type { PeerReply, PeerRequest } from "./node-protocol.js";

export class PeerSessionRouter {
  constructor(
    private readonly local: PeerSessions,
    private readonly devices: DeviceStore,
    private readonly cluster: Cluster,
  ) {}

  async open(userId: string, serviceId: string, offer: string | null): Promise<PeerSessionView> {
    const service = await this.devices.findService(serviceId);
    const node = service?.userId === userId ? service.deviceNode : null;
    const reply = await this.forward(node, { op: "open", userId, serviceId, offer });
    return reply === undefined
      ? this.local.open(userId, serviceId, offer)
      : (reply as PeerSessionView);
  }

  async offer(userId: string, id: string, offer: string): Promise<PeerSessionView> {
    const reply = await this.forward(peerSessionNode(id), { op: "offer", userId, id, offer });
    return reply === undefined ? this.local.offer(userId, id, offer) : (reply as PeerSessionView);
  }

  async candidates(userId: string, id: string, mid: string, candidates: string[]) {
    const reply = await this.forward(peerSessionNode(id), {
      op: "candidates",
      userId,
      id,
      mid,
      candidates,
    });
    return reply === undefined ? this.local.candidates(userId, id, mid, candidates) : !!reply;
  }

  async close(userId: string, id: string): Promise<boolean> {
    const reply = await this.forward(peerSessionNode(id), { op: "close", userId, id });
    return reply === undefined ? this.local.close(userId, id) : !!reply;
  }

  async find(userId: string, id: string): Promise<PeerSessionView | null> {
    const reply = await this.forward(peerSessionNode(id), { op: "find", userId, id });
    return reply === undefined ? this.local.find(userId, id) : (reply as PeerSessionView | null);
  }

  /** Serves a call another node forwarded here. */
  async serve(request: PeerRequest): Promise<PeerReply> {
    try {
      return { result: await this.serveLocally(request) };
    } catch (error) {
      const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
      if (typeof code !== "string") throw error;
      return { error: { code, message: (error as Error).message } };
    }
  }

  private serveLocally(request: PeerRequest) {
    switch (request.op) {
      case "open":
        return this.local.open(request.userId, request.serviceId, request.offer);
      case "offer":
        return this.local.offer(request.userId, request.id, request.offer);
      case "candidates":
        return this.local.candidates(request.userId, request.id, request.mid, request.candidates);
      case "close":
        return this.local.close(request.userId, request.id);
      case "find":
        return this.local.find(request.userId, request.id);
      default:
        return unhandled(request);
    }
  }

  /**
   * The other node's result, or undefined when the call is this node's to serve (no node
   * named, this one, or a node that is not live: then the local answer says what is wrong).
   */
  private async forward(node: number | null, request: PeerRequest): Promise<unknown> {
    if (node === null || node === this.cluster.self.node) return undefined;
    const reply = await this.cluster.askNode(node, "peer", request);
    if (reply === null) {
      if (request.op === "open") return undefined;
      throw apiError("SERVICE_OFFLINE", "The broker node holding this peer session is down.");
    }
    if ("error" in reply) throw apiError(apiCodeOf(reply.error.code), reply.error.message);
    return reply.result;
  }
}
