// WebRTC peer connections through node-datachannel (libdatachannel): one per on-demand
// session, on the client and on the agent. Descriptions are exchanged whole, candidates
// included (no trickle), because they travel through one GraphQL call and one control
// message; gathering is bounded so an unreachable STUN server cannot stall the offer.
import type { DataChannel, PeerConnection } from "node-datachannel";

type DataChannelModule = typeof import("node-datachannel");

/** Gathering stops waiting here; the candidates found so far go into the description. */
const GATHER_WAIT_MS = 1_500;

export interface PeerOptions {
  /** The broker's STUN server, e.g. "stun:broker.example.com:29090", or null. */
  stunUrl: string | null;
  /** Gather candidates on this local address only (tests keep P2P on loopback). */
  bindAddress?: string;
}

let loaded: Promise<DataChannelModule> | undefined;

/** node-datachannel is a native addon: load it only where P2P is actually used. */
export function loadDataChannel(): Promise<DataChannelModule> {
  loaded ??= import("node-datachannel").then(withLogging, (error: Error) => {
    loaded = undefined;
    throw new Error(
      `Peer to peer is unavailable: node-datachannel did not load (${error.message}).`,
    );
  });
  return loaded;
}

export interface Peer {
  connection: PeerConnection;
  /** The local description with its candidates, once gathered (or the wait ran out). */
  description: Promise<string>;
  /** Resolves when the connection is up; rejects when it fails or closes first. */
  connected: Promise<void>;
  /** Called once if the connection fails or closes after it was up. */
  onDown(callback: (reason: string) => void): void;
  onChannel(callback: (channel: DataChannel) => void): void;
  close(): void;
}

export async function createPeer(name: string, options: PeerOptions): Promise<Peer> {
  const ndc = await loadDataChannel();
  const connection = new ndc.PeerConnection(name, {
    iceServers: options.stunUrl ? [options.stunUrl] : [],
    bindAddress: options.bindAddress,
  });
  let downCallback: ((reason: string) => void) | undefined;
  let channelCallback: ((channel: DataChannel) => void) | undefined;
  let wasUp = false;
  let settleConnected: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const connected = new Promise<void>((resolve, reject) => {
    settleConnected = { resolve, reject };
  });
  // An unhandled rejection here would be a crash; callers that care await it.
  connected.catch(() => {});
  // Every callback is registered before anything can fire: libdatachannel drops events
  // that have no listener yet.
  let gathered: () => void = () => {};
  const description = new Promise<string>((resolve) => {
    gathered = () => resolve(connection.localDescription()?.sdp ?? "");
  });
  connection.onGatheringStateChange((state) => {
    if (state === "complete") gathered();
  });
  // The wait for candidates starts once the description exists: before that the ICE
  // transport does not either, and a description taken then could not be answered.
  let gatherTimer: NodeJS.Timeout | undefined;
  connection.onLocalDescription(() => {
    gatherTimer ??= setTimeout(() => gathered(), GATHER_WAIT_MS);
    gatherTimer.unref();
  });
  connection.onStateChange((state) => {
    if (state === "connected") {
      wasUp = true;
      settleConnected?.resolve();
    } else if (state === "failed" || state === "closed" || state === "disconnected") {
      settleConnected?.reject(new Error(`The peer-to-peer connection ${state}.`));
      if (wasUp) {
        wasUp = false;
        downCallback?.(`the peer-to-peer connection ${state}`);
      }
    }
  });
  connection.onDataChannel((channel) => channelCallback?.(channel));
  void description.then(() => clearTimeout(gatherTimer));
  return {
    connection,
    description,
    connected,
    onDown: (callback) => {
      downCallback = callback;
    },
    onChannel: (callback) => {
      channelCallback = callback;
    },
    close: () => {
      try {
        connection.close();
      } catch {
        // Already closed.
      }
    },
  };
}

/** REACH_P2P_LOG=Debug (or Info, Warning …) prints libdatachannel's own log to stderr. */
function withLogging(ndc: DataChannelModule): DataChannelModule {
  const level = process.env.REACH_P2P_LOG as Parameters<DataChannelModule["initLogger"]>[0];
  if (level)
    ndc.initLogger(level, (at, message) => process.stderr.write(`p2p ${at}: ${message}\n`));
  return ndc;
}

/** A STUN URL for the broker at `brokerUrl`, or null when it serves none. */
export function stunUrlFor(brokerUrl: URL, stunPort: number | null): string | null {
  if (stunPort === null) return null;
  return `stun:${brokerUrl.hostname.replace(/^\[|\]$/g, "")}:${stunPort}`;
}
