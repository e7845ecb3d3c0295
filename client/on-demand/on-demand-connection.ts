// One on-demand connection: a listener on <bind>:<port> (127.0.0.1 unless shared on the
// LAN) that opens a path to its service when a local program connects, shares that path
// among all its sockets, and lets it go after the idle timeout. P2P is tried first; when it
// does not open within the bound (or drops later), the broker's relay carries the sockets.
//
// Who may connect is decided in accept(), synchronously and before anything else: a
// refused client is destroyed before its socket is read, before a path is opened and so
// before any byte or request goes toward the broker or the device. Being synchronous also
// makes "latching" exact: of two clients arriving together, the first accepted latches.
import { createServer, type Server, type Socket } from "node:net";
import { canonicalAddress } from "../../common/host-ip.js";
import { admits, type LocalRestriction, parseRestriction } from "../../common/local-restriction.js";
import {
  DEFAULT_P2P_WAIT_MS,
  type OnDemandPath,
  type OnDemandSpec,
  type OnDemandStatus,
  type OnDemandView,
} from "../../common/on-demand.js";
import { messageOf } from "../../common/result.js";
import type { BrokerClient } from "../broker-client.js";
import { listenAddress } from "./bind-address.js";
import { PeerPath } from "./peer-path.js";
import { RelayPath } from "./relay-path.js";
import type { StreamPath } from "./stream-path.js";

export interface OnDemandEnvironment {
  /** The signed-in broker client, or null (then connects fail with a reason). */
  client: () => BrokerClient | null;
  /** How long P2P may take before failover (default 3 s). */
  p2pWaitMs?: number;
  /** Gather P2P candidates on this address only (tests keep P2P on loopback). */
  p2pBindAddress?: string;
  onChange: () => void;
  /** A latching restriction latched onto this client address: keep it (it must survive restarts). */
  onLatch?: (id: string, address: string) => void;
}

/** How often idleness is checked, at most. */
const IDLE_CHECK_MS = 1_000;

export class OnDemandConnection {
  private server: Server | null = null;
  /** Set by close(): a path that finishes opening afterwards is closed at once, not kept. */
  private closed = false;
  private path: StreamPath | null = null;
  private opening: Promise<StreamPath> | null = null;
  private sessionId: string | null = null;
  /** The session's token, kept for failing over to the relay after a P2P drop. */
  private sessionToken: string | null = null;
  private status: OnDemandStatus = "idle";
  private lastPath: OnDemandPath | null = null;
  private reason: string | null = null;
  private readonly sockets = new Set<Socket>();
  private closedBytesIn = 0;
  private closedBytesOut = 0;
  private lastTraffic = Date.now();
  private lastBytes = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private restriction: LocalRestriction;
  /** Local clients the restriction turned away since the listener started. */
  private refused = 0;

  constructor(
    private spec: OnDemandSpec,
    private readonly env: OnDemandEnvironment,
  ) {
    this.restriction = restrictionOf(spec);
  }

  get id(): string {
    return this.spec.id;
  }

  /**
   * Takes settings that do not change how it listens (name, templates, idle timeout, the
   * restriction). A new restriction applies at once: open sockets it would refuse close.
   */
  respec(spec: OnDemandSpec): void {
    const restriction = restrictionOf(spec);
    this.spec = spec;
    this.restriction = restriction;
    for (const socket of this.sockets) {
      if (!admits(restriction, spec.latchedIp, socket.remoteAddress ?? "")) socket.destroy();
    }
  }

  /** Starts listening; rejects with a sentence naming the address when it cannot. */
  async listen(): Promise<void> {
    const { bind, port } = this.spec;
    const where = listenAddress(bind, port);
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    server.on("connection", (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            error.code === "EADDRINUSE"
              ? `Port ${port} on ${bind} is in use by another program: choose another port.`
              : error.code === "EADDRNOTAVAIL"
                ? `Cannot listen on ${where}: this computer has no address ${bind} (any more).`
                : `Cannot listen on ${where}: ${error.code ?? error.message}.`,
          ),
        ),
      );
      server.listen({ host: bind, port }, () => resolve());
    });
    this.server = server;
  }

  view(): OnDemandView {
    let bytesIn = this.closedBytesIn;
    let bytesOut = this.closedBytesOut;
    for (const socket of this.sockets) {
      bytesIn += socket.bytesWritten;
      bytesOut += socket.bytesRead;
    }
    return {
      ...this.spec,
      address: listenAddress(this.spec.bind, this.spec.port),
      status: this.status,
      path: this.lastPath,
      reason: this.reason,
      bytesIn,
      bytesOut,
      openSockets: this.sockets.size,
      refused: this.refused,
      connectionId: null,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const socket of this.sockets) socket.destroy();
    await this.release();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (!this.admit(socket.remoteAddress ?? "")) {
      socket.destroy();
      this.refused++;
      this.env.onChange();
      return;
    }
    socket.setNoDelay(true);
    socket.on("error", () => socket.destroy());
    this.sockets.add(socket);
    socket.once("close", () => {
      this.sockets.delete(socket);
      this.closedBytesIn += socket.bytesWritten;
      this.closedBytesOut += socket.bytesRead;
      this.lastTraffic = Date.now();
      this.env.onChange();
    });
    this.ensurePath().then(
      (path) => {
        if (socket.destroyed) return;
        path.carry(socket);
        this.env.onChange();
      },
      () => socket.destroy(),
    );
  }

  /** Whether the restriction lets this client in; the first client latches a latching one. */
  private admit(client: string): boolean {
    if (!admits(this.restriction, this.spec.latchedIp, client)) return false;
    if (this.restriction.kind === "latching" && this.spec.latchedIp === null) {
      const address = canonicalAddress(client);
      this.spec = { ...this.spec, latchedIp: address };
      this.env.onLatch?.(this.spec.id, address);
    }
    return true;
  }

  /** The open path, or one being opened for the sockets that arrived while idle. */
  private ensurePath(): Promise<StreamPath> {
    if (this.path) return Promise.resolve(this.path);
    this.opening ??= this.openPath().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async openPath(): Promise<StreamPath> {
    this.setStatus("connecting", null);
    const client = this.env.client();
    try {
      if (!client) throw new Error("Not signed in to a broker.");
      const session = await client.openPeerSession(this.spec.serviceId, null);
      this.sessionId = session.id;
      this.sessionToken = session.token;
      const p2p = this.spec.route !== "proxy";
      const failover = this.spec.route !== "p2p";
      let p2pFailure: string | null = p2p ? null : "Peer to peer is off for this connection.";
      if (p2p) {
        try {
          const path = await PeerPath.open({
            client,
            session,
            waitMs: this.env.p2pWaitMs ?? DEFAULT_P2P_WAIT_MS,
            bindAddress: this.env.p2pBindAddress,
          });
          return this.use(path, null);
        } catch (error) {
          p2pFailure = messageOf(error);
        }
      }
      if (!failover) throw new Error(`${p2pFailure} Proxy failover is off.`);
      return this.use(new RelayPath(client.credentials.apiUrl, session.token), p2pFailure);
    } catch (error) {
      await this.release();
      this.setStatus("failed", messageOf(error));
      throw error;
    }
  }

  private use(path: StreamPath, reason: string | null): StreamPath {
    if (this.closed) {
      // Left open, its peer connection would outlive the listener (and keep the process up).
      path.close();
      throw new Error("The connection was closed while its path opened.");
    }
    this.path = path;
    this.lastPath = path.kind;
    path.onDown((why) => {
      if (this.path !== path || this.closed) return;
      this.path = null;
      // P2P dropped: new sockets fail over to the relay of the same session.
      const client = this.env.client();
      const token = this.sessionToken;
      if (path.kind === "p2p" && this.spec.route !== "p2p" && client && token) {
        this.use(new RelayPath(client.credentials.apiUrl, token), `P2P dropped: ${why}.`);
        return;
      }
      void this.release();
      this.setStatus("idle", why);
    });
    this.setStatus("connected", reason);
    this.watchIdle();
    return path;
  }

  /** Closes the path and the broker's session; the next local connect opens them again. */
  private async release(): Promise<void> {
    const path = this.path;
    this.path = null;
    path?.close();
    const sessionId = this.sessionId;
    this.sessionId = null;
    this.sessionToken = null;
    if (sessionId)
      await this.env
        .client()
        ?.closePeerSession(sessionId)
        .catch(() => false);
  }

  private watchIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.spec.idleTimeout === 0) return;
    const limitMs = this.spec.idleTimeout * 1000;
    const check = () => {
      if (!this.path) return;
      const { bytesIn, bytesOut } = this.view();
      if (bytesIn + bytesOut !== this.lastBytes || this.sockets.size > 0) {
        this.lastBytes = bytesIn + bytesOut;
        this.lastTraffic = Date.now();
      } else if (Date.now() - this.lastTraffic >= limitMs) {
        void this.release().then(() => this.setStatus("idle", null));
        return;
      }
      this.idleTimer = setTimeout(check, Math.min(IDLE_CHECK_MS, limitMs / 4));
      this.idleTimer.unref();
    };
    this.lastTraffic = Date.now();
    check();
  }

  private setStatus(status: OnDemandStatus, reason: string | null): void {
    this.status = status;
    this.reason = reason;
    this.env.onChange();
  }
}

/**
 * The spec's restriction. The manager saves only values that parse; one that does not
 * (a hand-edited file) refuses the listener with the sentence rather than admit anyone.
 */
function restrictionOf(spec: OnDemandSpec): LocalRestriction {
  const parsed = parseRestriction(spec.restrict);
  if (!parsed.ok) throw new Error(`${spec.name}: ${parsed.reason}`);
  return parsed.restriction;
}
