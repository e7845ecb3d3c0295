// Peer to peer: one WebRTC session per on-demand connection, shared by all its local
// sockets (one data channel each). Opening it: gather candidates (the broker's STUN gives
// the server-reflexive one), send the offer through the broker, apply the agent's answer,
// then prove the session token on the control channel; the agent's reply means the path
// is verified end to end (the handshake is common/p2p/handshake.ts). The data channels are
// DTLS-encrypted by WebRTC itself.
import type { Socket } from "node:net";
import type { DataChannel } from "node-datachannel";
import type { PeerSessionView } from "../../common/graphql/schema.js";
import { relaySocketOverChannel } from "../../common/p2p/channel-relay.js";
import {
  CONTROL_CHANNEL_LABEL,
  splitCandidates,
  streamChannelLabel,
  tokenMessage,
  VERIFIED_REPLY,
} from "../../common/p2p/handshake.js";
import { createPeer, type Peer, stunUrlFor } from "../../common/p2p/peer-connection.js";
import type { BrokerClient } from "../broker-client.js";
import type { StreamPath } from "./stream-path.js";

export interface PeerPathOptions {
  client: BrokerClient;
  session: PeerSessionView;
  /** Give up (and let the relay take over) when the path is not verified by then. */
  waitMs: number;
  bindAddress?: string;
}

export class PeerPath implements StreamPath {
  readonly kind = "p2p" as const;
  private downCallback: ((reason: string) => void) | undefined;
  private down = false;
  private streams = 0;
  private readonly counters = { sent: 0, received: 0 };
  private readonly carried = new Set<Socket>();
  /** Stream channels not yet closed: closed with the path, opened or not (see open()). */
  private readonly channels = new Set<DataChannel>();

  private constructor(
    private readonly peer: Peer,
    control: DataChannel,
  ) {
    peer.onDown((reason) => this.fail(reason));
    control.onClosed(() => this.fail("the peer-to-peer control channel closed"));
  }

  /** Opens and verifies a P2P path, or rejects with why not within `waitMs`. */
  static async open(options: PeerPathOptions): Promise<PeerPath> {
    const { client, session } = options;
    const peer = await createPeer(`client-${session.id}`, {
      stunUrl: stunUrlFor(new URL(client.credentials.apiUrl), session.stunPort),
      bindAddress: options.bindAddress,
    });
    let timer: NodeJS.Timeout | undefined;
    const control = peer.connection.createDataChannel(CONTROL_CHANNEL_LABEL);
    try {
      const verified = new Promise<DataChannel>((resolve, reject) => {
        control.onOpen(() => control.sendMessage(tokenMessage(session.token)));
        control.onMessage((message) => {
          if (message === VERIFIED_REPLY) resolve(control);
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
      const negotiated = (async () => {
        const { description, mid, candidates } = splitCandidates(await peer.description);
        const answered = await client.offerPeer(session.id, description);
        if (!answered.answer) throw new Error(answered.p2pError ?? "The agent gave no answer.");
        peer.connection.setRemoteDescription(answered.answer, "answer");
        await client.peerCandidates(session.id, mid, candidates);
        return verified;
      })();
      negotiated.catch(() => {});
      return new PeerPath(peer, await Promise.race([negotiated, deadline]));
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

  carry(socket: Socket): void {
    if (this.down) {
      socket.destroy();
      return;
    }
    this.streams++;
    const channel = this.peer.connection.createDataChannel(streamChannelLabel(this.streams));
    this.carried.add(socket);
    socket.once("close", () => this.carried.delete(socket));
    this.channels.add(channel);
    channel.onOpen(() => {
      relaySocketOverChannel(socket, channel, this.counters, () => this.channels.delete(channel));
      socket.resume();
    });
    channel.onClosed(() => {
      this.channels.delete(channel);
      socket.destroy();
    });
  }

  onDown(callback: (reason: string) => void): void {
    this.downCallback = callback;
  }

  close(): void {
    this.down = true;
    for (const socket of this.carried) socket.destroy();
    for (const channel of this.channels) channel.close();
    this.channels.clear();
    this.peer.close();
  }

  private fail(reason: string): void {
    if (this.down) return;
    this.close();
    this.downCallback?.(reason);
  }
}
