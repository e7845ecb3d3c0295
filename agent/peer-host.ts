// The agent's side of peer-to-peer on-demand sessions. For each offer the broker relays
// (and thereby authorised), it answers with its own description; the client must then
// prove it holds the session's token on the control channel before any stream channel
// is accepted (the handshake, both ends' one copy, is common/p2p/handshake.ts). Each
// stream channel is one local socket of the client, carried to the session's service.
// With --no-p2p every offer is refused and the relay serves instead. Each answer also
// offers the direct path (direct-listener.ts), where the client can reach this machine.
import { connect as netConnect } from "node:net";
import type { DataChannel } from "node-datachannel";
import { relaySocketOverChannel, resetChannel, send } from "../common/p2p/channel-relay.js";
import {
  asDtlsClientOffer,
  bareCandidate,
  CONTROL_CHANNEL_LABEL,
  KEEPALIVE_PING,
  KEEPALIVE_PONG,
  presentsToken,
  VERIFIED_REPLY,
} from "../common/p2p/handshake.js";
import { createPeer, type Peer } from "../common/p2p/peer-connection.js";
import { messageOf } from "../common/result.js";
import type { AgentMessage, PeerOffer, ServiceSpec } from "../common/tunnel/protocol.js";
import { DirectListener } from "./direct-listener.js";

/** A session that has not come up by then is dropped. */
const CONNECT_WAIT_MS = 30_000;
const MAX_SESSIONS = 256;

export interface PeerHostOptions {
  enabled: boolean;
  /** Offer the direct path too (direct-listener.ts). */
  direct?: boolean;
  bindAddress?: string;
  /** The broker's STUN URL for the current tunnel session. */
  stunUrl: () => string | null;
  serviceFor: (serviceId: string) => ServiceSpec | undefined;
  log: (message: string) => void;
}

export class PeerHost {
  private readonly peers = new Map<string, Peer>();
  /** Bytes carried over P2P since start, for `reach agent`'s stats and tests. */
  readonly counters = { sent: 0, received: 0, streams: 0 };
  readonly direct: DirectListener;

  constructor(private readonly options: PeerHostOptions) {
    this.direct = new DirectListener(options.bindAddress, this.counters, options.log);
  }

  /** Peer sessions open here, over WebRTC, the direct path, or both. */
  get sessionCount(): number {
    return new Set([...this.peers.keys(), ...this.direct.sessionIds()]).size;
  }

  async answer(offer: PeerOffer): Promise<AgentMessage> {
    const refuse = (reason: string): AgentMessage => ({
      type: "peer-refused",
      sessionId: offer.sessionId,
      reason,
    });
    if (!this.options.enabled) return refuse("Peer to peer is turned off on the device's agent.");
    const service = this.options.serviceFor(offer.serviceId);
    if (!service) return refuse("The service is not one of this agent's.");
    if (this.peers.size >= MAX_SESSIONS) return refuse("The agent has too many peer sessions.");
    let peer: Peer;
    try {
      peer = await createPeer(`agent-${offer.sessionId}`, {
        stunUrl: this.options.stunUrl(),
        bindAddress: this.options.bindAddress,
      });
      peer.connection.setRemoteDescription(asDtlsClientOffer(offer.offer), "offer");
    } catch (error) {
      return refuse(messageOf(error));
    }
    this.peers.get(offer.sessionId)?.close();
    this.peers.set(offer.sessionId, peer);
    this.serve(peer, offer, service);
    const [answer, direct] = await Promise.all([
      peer.description,
      this.options.direct === false
        ? Promise.resolve([])
        : this.direct.admit(offer.sessionId, offer.token, service),
    ]);
    return answer
      ? { type: "peer-answer", sessionId: offer.sessionId, answer, direct }
      : refuse("No answer.");
  }

  /** The client's candidates, which arrive once it has applied our answer. */
  addCandidates(sessionId: string, mid: string, candidates: string[]): void {
    const peer = this.peers.get(sessionId);
    if (!peer) return;
    for (const candidate of candidates) {
      try {
        peer.connection.addRemoteCandidate(bareCandidate(candidate), mid);
      } catch {
        // A malformed candidate is the client's loss only.
      }
    }
  }

  /** The broker ended the session: its WebRTC peer and its direct path both go. */
  close(sessionId: string): void {
    this.closePeer(sessionId);
    this.direct.forget(sessionId);
  }

  closeAll(): void {
    for (const id of [...this.peers.keys()]) this.close(id);
    this.direct.close();
  }

  /**
   * Only the WebRTC side: a client on the direct path may close it, or never connect
   * it, and its session (and the direct path) still lives until the broker ends it.
   */
  private closePeer(sessionId: string): void {
    this.peers.get(sessionId)?.close();
    this.peers.delete(sessionId);
  }

  private serve(peer: Peer, offer: PeerOffer, service: ServiceSpec): void {
    let authenticated = false;
    const drop = () => {
      if (this.peers.get(offer.sessionId) === peer) this.closePeer(offer.sessionId);
    };
    const upTimer = setTimeout(() => {
      if (!authenticated) drop();
    }, CONNECT_WAIT_MS);
    upTimer.unref();
    peer.onDown(drop);
    peer.connected.catch(drop);
    peer.onChannel((channel) => {
      if (channel.getLabel() === CONTROL_CHANNEL_LABEL) {
        channel.onMessage((message) => {
          if (typeof message !== "string") return;
          if (authenticated) {
            // The client's keepalive: it counts the path dead when pongs stop.
            if (message === KEEPALIVE_PING) send(channel, KEEPALIVE_PONG);
            return;
          }
          if (Date.now() <= offer.tokenExpiresAt && presentsToken(message, offer.token)) {
            authenticated = true;
            clearTimeout(upTimer);
            send(channel, VERIFIED_REPLY);
            // A first pong unasked says this agent answers pings: the client arms its
            // keepalive on it (an older agent sends none and is not taken for dead).
            send(channel, KEEPALIVE_PONG);
          } else {
            this.options.log(`agent: refused a peer session with a wrong or late token`);
            // Someone holds the session's offer but not its token: the direct path goes too.
            this.close(offer.sessionId);
          }
        });
        channel.onClosed(drop);
        return;
      }
      if (!authenticated) {
        channel.close();
        return;
      }
      this.carry(channel, service);
    });
  }

  /**
   * One stream: dial the service, then relay. What the client sends meanwhile waits in
   * libdatachannel's queue until the relay's onMessage takes it. No listener of our own
   * may hold it before: node-datachannel aborts the messages already queued for a
   * listener that onMessage replaces, so a client's first bytes were sometimes lost.
   */
  private carry(channel: DataChannel, service: ServiceSpec): void {
    this.counters.streams++;
    const target = netConnect({ host: service.host, port: service.port, allowHalfOpen: true });
    target.setNoDelay(true);
    target.once("connect", () => relaySocketOverChannel(target, channel, this.counters));
    target.once("error", () => {
      target.destroy();
      if (channel.isOpen()) resetChannel(channel);
    });
    channel.onClosed(() => {
      if (target.connecting) target.destroy();
    });
  }
}
