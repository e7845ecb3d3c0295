// Peer sessions: the broker's side of on-demand connections. Opening one authorises a
// user's client to reach one service for a while: it gets a token, and (when it sent a
// WebRTC offer) the agent's answer, relayed over the agent's control channel. The token
// then admits the client's data channels at the agent (P2P) and its relay streams here
// (failover). Sessions live in memory only: after a broker restart clients open new ones.
// In a cluster a session lives on the node holding its device's tunnel, and its id and
// token start with that node's number (n3-…, n3.…) so that any node can send a call or a
// relay stream for it to the right one (cluster/peer-session-router.ts).
import { randomBytes, randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import type { PeerSessionView } from "../../common/graphql/schema.js";
import type { DirectEndpoint } from "../../common/p2p/direct-link.js";
import { peerCandidatesSchema, peerOfferSchema } from "../../common/tunnel/protocol.js";
import { unhandled } from "../../common/unhandled.js";
import { apiError, quoteId } from "../api/api-error.js";
import { requireOnlineService } from "../connections/require-online-service.js";
import type { DeviceStore } from "../store/store.js";
import type { TunnelGateway } from "../tunnel/tunnel-gateway.js";

/** How long the agent has to answer an offer. */
const ANSWER_WAIT_MS = 2_500;
/** The token must open its first data channel within this (it is short-lived). */
const TOKEN_LIFETIME_MS = 60_000;
/** A session's whole life; clients open a fresh one when they reopen after idling. */
const SESSION_LIFETIME_MS = 12 * 3600_000;
/** How many sessions one user may hold at once. */
const MAX_SESSIONS_PER_USER = 200;

export interface PeerSession {
  id: string;
  userId: string;
  serviceId: string;
  deviceId: string;
  token: string;
  answer: string | null;
  /** The agent's endpoints for the direct path, from its latest answer. */
  direct: DirectEndpoint[];
  p2pError: string | null;
  createdAt: number;
  expiresAt: number;
  relayBytesUp: number;
  relayBytesDown: number;
  relayStreams: number;
  /** Clients' relay sockets open now: counted live, closed when the session ends. */
  readonly liveStreams: Map<Socket, { readBefore: number; writtenBefore: number }>;
}

export class PeerSessions {
  private readonly sessions = new Map<string, PeerSession>();
  private readonly byToken = new Map<string, PeerSession>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly devices: DeviceStore,
    private readonly gateway: TunnelGateway,
    private readonly stunPort: () => number | null,
    /** This broker's node number, the prefix of its sessions' ids and tokens. */
    private readonly node = 1,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async open(userId: string, serviceId: string, offer: string | null): Promise<PeerSessionView> {
    const { service } = await requireOnlineService(
      {
        devices: this.devices,
        // Peer offers go over the control channel, so the device must be attached here.
        isReachable: (service) => this.gateway.isAttachedHere(service.deviceId),
      },
      userId,
      serviceId,
    );
    if (offer !== null) checkOffer(offer);
    this.sweep();
    const held = [...this.sessions.values()].filter((s) => s.userId === userId).length;
    if (held >= MAX_SESSIONS_PER_USER) {
      throw apiError(
        "RESOURCE_EXHAUSTED",
        `You already have ${MAX_SESSIONS_PER_USER} open peer sessions, the most allowed: close some first.`,
      );
    }
    const now = Date.now();
    const session: PeerSession = {
      id: `n${this.node}-${randomUUID()}`,
      userId,
      serviceId,
      deviceId: service.deviceId,
      token: `n${this.node}.${randomBytes(32).toString("base64url")}`,
      answer: null,
      direct: [],
      p2pError: offer === null ? "The client did not offer peer to peer." : null,
      createdAt: now,
      expiresAt: now + SESSION_LIFETIME_MS,
      relayBytesUp: 0,
      relayBytesDown: 0,
      relayStreams: 0,
      liveStreams: new Map(),
    };
    this.sessions.set(session.id, session);
    this.byToken.set(session.token, session);
    if (offer !== null) await this.askAgent(session, offer);
    return this.view(session);
  }

  /** Asks the session's agent for P2P with the client's offer. */
  async offer(userId: string, id: string, offer: string): Promise<PeerSessionView> {
    const session = this.requireLiveSession(userId, id);
    checkOffer(offer);
    await this.askAgent(session, offer);
    return this.view(session);
  }

  /** Passes the client's ICE candidates on to the session's agent. */
  candidates(userId: string, id: string, mid: string, candidates: string[]): boolean {
    const session = this.requireLiveSession(userId, id);
    // Checked as the agent will parse it, so nothing is passed on that it would drop.
    const message = peerCandidatesSchema.safeParse({
      type: "peer-candidates",
      sessionId: session.id,
      mid,
      candidates,
    });
    if (!message.success) {
      throw apiError(
        "BAD_USER_INPUT",
        "candidates must be at most 64 lines of 1 to 512 characters.",
      );
    }
    const device = this.gateway.sessionOf(session.deviceId);
    if (!device) return false;
    device.send(message.data);
    return true;
  }

  private async askAgent(session: PeerSession, offer: string): Promise<void> {
    session.answer = null;
    session.direct = [];
    const device = this.gateway.sessionOf(session.deviceId);
    if (!device) {
      session.p2pError = "The device of this service is offline: its agent is not connected.";
      return;
    }
    const reply = await device.askPeer(
      {
        type: "peer-offer",
        sessionId: session.id,
        serviceId: session.serviceId,
        token: session.token,
        tokenExpiresAt: Date.now() + TOKEN_LIFETIME_MS,
        offer,
      },
      ANSWER_WAIT_MS,
    );
    switch (reply?.type) {
      case "peer-answer":
        session.answer = reply.answer;
        session.direct = reply.direct ?? [];
        session.p2pError = null;
        return;
      case "peer-refused":
        session.p2pError = reply.reason;
        return;
      case undefined:
        session.p2pError = "The device's agent did not answer the offer in time.";
        return;
      default:
        unhandled(reply);
    }
  }

  /** A session of this user's; another user's ids read as absent. */
  find(userId: string, id: string): PeerSessionView | null {
    const session = this.liveSession(userId, id);
    return session ? this.view(session) : null;
  }

  private liveSession(userId: string, id: string): PeerSession | undefined {
    const session = this.sessions.get(id);
    return session && session.userId === userId && session.expiresAt > Date.now()
      ? session
      : undefined;
  }

  private requireLiveSession(userId: string, id: string): PeerSession {
    const session = this.liveSession(userId, id);
    if (!session) throw apiError("NOT_FOUND", `There is no peer session with id ${quoteId(id)}.`);
    return session;
  }

  /** The live session a relay stream presents, or undefined. */
  byRelayToken(token: string): PeerSession | undefined {
    const session = this.byToken.get(token);
    return session && session.expiresAt > Date.now() ? session : undefined;
  }

  /** The user's live sessions, oldest first (for tests and stats). */
  sessionsOf(userId: string): PeerSessionView[] {
    const now = Date.now();
    return [...this.sessions.values()]
      .filter((session) => session.userId === userId && session.expiresAt > now)
      .map((session) => this.view(session));
  }

  /** Relay streams and bytes over every live session (for tests and stats). */
  relayTotals(): { streams: number; bytes: number } {
    let streams = 0;
    let bytes = 0;
    for (const session of this.sessions.values()) {
      const view = this.view(session);
      streams += view.relayStreams;
      bytes += view.relayBytesUp + view.relayBytesDown;
    }
    return { streams, bytes };
  }

  close(userId: string, id: string): boolean {
    const session = this.sessions.get(id);
    if (!session || session.userId !== userId) {
      throw apiError("NOT_FOUND", `There is no peer session with id ${quoteId(id)}.`);
    }
    this.end(session);
    return true;
  }

  /** Ends every session for services that are gone. */
  endForServices(serviceIds: string[]): void {
    const gone = new Set(serviceIds);
    for (const session of [...this.sessions.values()]) {
      if (gone.has(session.serviceId)) this.end(session);
    }
  }

  stop(): void {
    clearInterval(this.sweeper);
    for (const session of [...this.sessions.values()]) this.end(session);
  }

  private end(session: PeerSession): void {
    this.sessions.delete(session.id);
    this.byToken.delete(session.token);
    for (const stream of session.liveStreams.keys()) stream.destroy();
    this.gateway.sessionOf(session.deviceId)?.send({ type: "peer-close", sessionId: session.id });
  }

  private sweep(): void {
    const now = Date.now();
    for (const session of [...this.sessions.values()]) {
      if (session.expiresAt <= now) this.end(session);
    }
  }

  private view(session: PeerSession): PeerSessionView {
    return {
      id: session.id,
      serviceId: session.serviceId,
      token: session.token,
      answer: session.answer,
      direct: session.direct,
      p2pError: session.p2pError,
      stunPort: this.stunPort(),
      created: new Date(session.createdAt).toISOString(),
      expires: new Date(session.expiresAt).toISOString(),
      relayBytesUp: sum(
        session,
        (socket, base) => socket.bytesRead - base.readBefore,
        session.relayBytesUp,
      ),
      relayBytesDown: sum(
        session,
        (socket, base) => socket.bytesWritten - base.writtenBefore,
        session.relayBytesDown,
      ),
      relayStreams: session.relayStreams,
    };
  }
}

/** The node a peer session's id (n3-…) or relay token (n3.…) belongs to; null when unmarked. */
export function peerSessionNode(idOrToken: string): number | null {
  const match = /^n(\d{1,9})[-.]/.exec(idOrToken);
  return match ? Number(match[1]) : null;
}

/** The offer as the agent will parse it (peerOfferSchema), refused here if it would not pass. */
function checkOffer(offer: string): void {
  if (!peerOfferSchema.shape.offer.safeParse(offer).success) {
    throw apiError(
      "BAD_USER_INPUT",
      "offer must be a session description of 1 to 16384 characters.",
    );
  }
}

/** `start` plus what `count` says of each live relay stream. */
function sum(
  session: PeerSession,
  count: (socket: Socket, base: { readBefore: number; writtenBefore: number }) => number,
  start: number,
): number {
  let total = start;
  for (const [socket, base] of session.liveStreams) total += count(socket, base);
  return total;
}
