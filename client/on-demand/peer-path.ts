// Peer to peer: one WebRTC session per on-demand connection, shared by all its local
// sockets (one data channel each). Opening it: gather candidates (the broker's STUN gives
// the server-reflexive one), send the offer through the broker, apply the agent's answer,
// then prove the session token on the control channel; the agent's reply means the path
// is verified end to end (the handshake is common/p2p/handshake.ts). The data channels are
// DTLS-encrypted by WebRTC itself.
import type { Socket } from "node:net";
import type { DataChannel } from "node-datachannel";
import type { PeerSessionView } from "../../common/graphql/schema.js";
import { relaySocketOverChannel, send } from "../../common/p2p/channel-relay.js";
import {
  CONTROL_CHANNEL_LABEL,
  KEEPALIVE_PING,
  KEEPALIVE_PONG,
  splitCandidates,
  streamChannelLabel,
  tokenMessage,
  VERIFIED_REPLY,
} from "../../common/p2p/handshake.js";
import { createPeer, type Peer, stunUrlFor } from "../../common/p2p/peer-connection.js";
import type { BrokerClient } from "../broker-client.js";
import { DirectPath } from "./direct-path.js";
import { StreamIds } from "./stream-ids.js";
import type { HandBack, StreamPath } from "./stream-path.js";

/** The keepalive's ping interval, and how long without a pong counts the path dead. */
const PING_EVERY_MS = 500;
const DEAD_AFTER_MS = 2_500;

export interface PeerPathOptions {
  client: BrokerClient;
  session: PeerSessionView;
  /** Give up (and let the relay take over) when the path is not verified by then. */
  waitMs: number;
  bindAddress?: string;
  /** Race the agent's direct path (TCP) against WebRTC; default true. */
  direct?: boolean;
}

export class PeerPath implements StreamPath {
  readonly kind = "p2p" as const;
  private downCallback: ((reason: string) => void) | undefined;
  private down = false;
  private streams = 0;
  private readonly counters = { sent: 0, received: 0 };
  private readonly carried = new Set<Socket>();
  /** Sockets whose channel has not opened yet: nothing of theirs moved, so they can be handed back. */
  private readonly starting = new Map<Socket, HandBack>();
  private keepalive: NodeJS.Timeout | undefined;
  /** Stream channels not yet closed: closed with the path, opened or not (see open()). */
  private readonly channels = new Set<DataChannel>();
  /** The ids those channels hold, so the next one takes another (stream-ids.ts). */
  private readonly heldIds = new Set<number>();
  private readonly streamIds: StreamIds;

  private constructor(
    private readonly peer: Peer,
    control: DataChannel,
    private readonly pongs: { last: number | null },
  ) {
    peer.onDown((reason) => this.fail(reason));
    control.onClosed(() => this.fail("the peer-to-peer control channel closed"));
    this.keepAlive(control);
    this.streamIds = new StreamIds(control.getId());
  }

  /**
   * Pings the agent on the control channel and fails the path when pongs stop. Armed by
   * the first pong (the agent sends one right after its "ok"), so an agent that predates
   * the keepalive is not taken for dead.
   */
  private keepAlive(control: DataChannel): void {
    const { pongs } = this;
    this.keepalive = setInterval(() => {
      if (pongs.last !== null && Date.now() - pongs.last > DEAD_AFTER_MS) {
        this.fail(`the agent stopped answering for ${DEAD_AFTER_MS / 1000} s`);
        return;
      }
      // A channel that closed drops it; its onClosed fails the path.
      send(control, KEEPALIVE_PING);
    }, PING_EVERY_MS);
    this.keepalive.unref();
  }

  /** Opens and verifies a P2P path, or rejects with why not within `waitMs`. */
  /**
   * Opens a peer-to-peer path: the direct one (direct-path.ts) when the agent's own
   * address answers, which on a LAN is long before WebRTC's handshake ends; else the
   * WebRTC one, verified. Rejects with why neither opened within `waitMs`.
   */
  static async open(options: PeerPathOptions): Promise<StreamPath> {
    const { client, session } = options;
    const peer = await createPeer(`client-${session.id}`, {
      stunUrl: stunUrlFor(new URL(client.credentials.apiUrl), session.stunPort),
      bindAddress: options.bindAddress,
    });
    let timer: NodeJS.Timeout | undefined;
    const control = peer.connection.createDataChannel(CONTROL_CHANNEL_LABEL);
    const pongs: { last: number | null } = { last: null };
    try {
      const verified = new Promise<DataChannel>((resolve, reject) => {
        control.onOpen(() => send(control, tokenMessage(session.token)));
        // One listener for the channel's life: node-datachannel may lose messages queued
        // for a listener that a second onMessage replaces.
        control.onMessage((message) => {
          if (message === KEEPALIVE_PONG) pongs.last = Date.now();
          else if (message === VERIFIED_REPLY) resolve(control);
        });
        control.onClosed(() => reject(new Error("The agent closed the peer-to-peer session.")));
        peer.connected.catch(reject);
      });
      verified.catch(() => {});
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`No peer-to-peer path opened within ${options.waitMs / 1000} s.`)),
          options.waitMs,
        );
      });
      const answered = (async () => {
        const { description, mid, candidates } = splitCandidates(await peer.description);
        const answer = await client.offerPeer(session.id, description);
        if (!answer.answer) throw new Error(answer.p2pError ?? "The agent gave no answer.");
        return { answer, mid, candidates };
      })();
      // Both paths start from the agent's answer; the first one up carries the sockets.
      const direct =
        options.direct === false
          ? Promise.reject(new Error("The direct path is off."))
          : answered.then(({ answer }) => DirectPath.open(answer));
      const negotiated = answered.then(async ({ answer, mid, candidates }) => {
        if (!answer.answer) throw new Error("The agent gave no answer.");
        peer.connection.setRemoteDescription(answer.answer, "answer");
        await client.peerCandidates(session.id, mid, candidates);
        return verified;
      });
      direct.catch(() => {});
      negotiated.catch(() => {});
      const first = await Promise.race([
        Promise.any([direct, negotiated]).catch(() => negotiated),
        deadline,
      ]);
      if (first instanceof DirectPath) {
        control.close();
        peer.close();
        return first;
      }
      return new PeerPath(peer, first, pongs);
    } catch (error) {
      // A channel that never opened keeps node-datachannel's callbacks (and so the
      // process) alive unless it is closed itself.
      control.close();
      peer.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  carry(socket: Socket, handBack: HandBack): void {
    if (this.down) {
      handBack("the peer-to-peer path is down");
      return;
    }
    const id = this.streamIds.take(this.heldIds);
    if (id === null) {
      handBack("every peer-to-peer stream is in use");
      return;
    }
    this.streams++;
    const channel = this.peer.connection.createDataChannel(streamChannelLabel(this.streams), {
      id,
    });
    this.heldIds.add(id);
    const release = () => {
      this.channels.delete(channel);
      this.heldIds.delete(id);
    };
    this.carried.add(socket);
    socket.once("close", () => this.carried.delete(socket));
    this.channels.add(channel);
    this.starting.set(socket, handBack);
    channel.onOpen(() => {
      this.starting.delete(socket);
      // The relay's onClosed replaces the one below (one callback per event).
      relaySocketOverChannel(socket, channel, this.counters, release);
      socket.resume();
    });
    channel.onClosed(() => {
      release();
      const startingOver = this.starting.get(socket);
      this.starting.delete(socket);
      if (startingOver) {
        // Closed before it opened: the socket never moved a byte, so it is placed again.
        this.carried.delete(socket);
        startingOver("its peer-to-peer channel closed before it opened");
      } else if (this.carried.has(socket)) socket.destroy();
      // (Otherwise close() already handed it back, and it may be on another path now.)
    });
  }

  onDown(callback: (reason: string) => void): void {
    this.downCallback = callback;
  }

  close(): void {
    for (const handBack of this.shutDown()) handBack("the peer-to-peer path closed");
  }

  /** Closes everything; returns the hand-backs of sockets not started, for the caller to call. */
  private shutDown(): HandBack[] {
    this.down = true;
    clearInterval(this.keepalive);
    const starting = [...this.starting];
    this.starting.clear();
    for (const [socket] of starting) this.carried.delete(socket);
    for (const socket of this.carried) socket.destroy();
    for (const channel of this.channels) channel.close();
    this.channels.clear();
    this.peer.close();
    return starting.map(([, handBack]) => handBack);
  }

  private fail(reason: string): void {
    if (this.down) return;
    const handBacks = this.shutDown();
    // The connection learns first, so the sockets handed back find the next path.
    this.downCallback?.(reason);
    for (const handBack of handBacks) handBack(`the peer-to-peer path went down: ${reason}`);
  }
}
