// One on-demand connection: a listener on <bind>:<port> (127.0.0.1 unless shared on the
// LAN) that opens a path to its service when a local program connects, shares that path
// among all its sockets, and lets it go after the idle timeout. P2P is tried first; when it
// does not open within the bound (or drops later), the broker's relay carries the sockets,
// and P2P is tried again in the background until it opens (then new sockets take it).
// A socket that no path could start (none of its bytes moved) is placed again, on the
// next path or once the device is back, for a bounded time: it is never reset unserved.
//
// Who may connect is decided in accept(), synchronously and before anything else: a
// refused client is destroyed before its socket is read, before a path is opened and so
// before any byte or request goes toward the broker or the device. Being synchronous also
// makes "latching" exact: of two clients arriving together, the first accepted latches.
import { createServer, type Server, type Socket } from "node:net";
import type { PeerSessionView } from "../../common/graphql/schema.js";
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
  /** Offer the direct (TCP) path beside WebRTC; default true (false measures WebRTC alone). */
  p2pDirect?: boolean;
  /** How long a local socket no path could start waits for the device (default 10 s). */
  deviceWaitMs?: number;
  onChange: () => void;
  /** A latching restriction latched onto this client address: keep it (it must survive restarts). */
  onLatch?: (id: string, address: string) => void;
}

/** How often idleness is checked, at most. */
const IDLE_CHECK_MS = 1_000;
export const DEFAULT_DEVICE_WAIT_MS = 10_000;
/** A socket handed back again is placed after this pause (the device may be coming back). */
const PLACE_AGAIN_MS = 500;
/** Background P2P retries after a failover: 2 s, 4 s, 8 s … at most a minute apart. */
const P2P_RETRY_FIRST_MS = 2_000;
const P2P_RETRY_MAX_MS = 60_000;

export class OnDemandConnection {
  private server: Server | null = null;
  /** Set by close(): a path that finishes opening afterwards is closed at once, not kept. */
  private closed = false;
  private path: StreamPath | null = null;
  private opening: Promise<StreamPath> | null = null;
  /** The broker's peer session: its token carries the relay, its id is offered P2P again. */
  private session: PeerSessionView | null = null;
  /** Relay paths P2P took over from: their sockets stay on them until they close. */
  private readonly retired = new Set<StreamPath>();
  private p2pRetryTimer: NodeJS.Timeout | undefined;
  private p2pRetryMs = P2P_RETRY_FIRST_MS;
  /** When the path (or its absence) began; what failed last, and when. */
  private pathSince: number | null = null;
  private lastFailure: { at: number; reason: string } | null = null;
  /** By when each local socket must have been started, or be closed. */
  private readonly deadlines = new WeakMap<Socket, number>();
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
      pathSince: this.pathSince,
      lastFailure: this.lastFailure,
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
    clearTimeout(this.p2pRetryTimer);
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
    this.deadlines.set(socket, Date.now() + (this.env.deviceWaitMs ?? DEFAULT_DEVICE_WAIT_MS));
    this.place(socket);
  }

  /** Puts a socket on the path (opening one if needed); see placeAgain for the way back. */
  private place(socket: Socket): void {
    this.ensurePath().then(
      (path) => {
        if (socket.destroyed) return;
        path.carry(socket, (why) => this.placeAgain(socket, why, PLACE_AGAIN_MS));
        this.env.onChange();
      },
      (error: unknown) => {
        // The device is offline (killed, restarting): wait for it, as long as the bound allows.
        if (/offline/i.test(messageOf(error)))
          this.placeAgain(socket, messageOf(error), PLACE_AGAIN_MS);
        else socket.destroy();
      },
    );
  }

  /** A socket none of whose bytes moved: placed again after `delayMs`, or closed past its deadline. */
  private placeAgain(socket: Socket, why: string, delayMs: number): void {
    if (socket.destroyed || this.closed) {
      socket.destroy();
      return;
    }
    if (Date.now() + delayMs > (this.deadlines.get(socket) ?? 0)) {
      this.lastFailure = { at: Date.now(), reason: `A local connection waited in vain: ${why}` };
      // Still no path (the device did not come back): say so, instead of "connecting".
      if (!this.path && !this.opening) this.setStatus("failed", why);
      else this.env.onChange();
      socket.destroy();
      return;
    }
    const timer = setTimeout(() => this.place(socket), delayMs);
    timer.unref();
  }

  private noteFailure(reason: string): void {
    this.lastFailure = { at: Date.now(), reason };
    this.env.onChange();
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
    // Already connecting (waiting for an offline device): one line in `reach up`, not one a try.
    if (this.status !== "connecting") this.setStatus("connecting", null);
    const client = this.env.client();
    try {
      if (!client) throw new Error("Not signed in to a broker.");
      const session = await client.openPeerSession(this.spec.serviceId, null);
      this.session = session;
      const p2p = this.spec.route !== "proxy";
      const failover = this.spec.route !== "p2p";
      let p2pFailure: string | null = p2p ? null : "Peer to peer is off for this connection.";
      if (p2p) {
        try {
          const path = await this.openPeerPath(client, session);
          return this.use(path, null);
        } catch (error) {
          p2pFailure = messageOf(error);
        }
      }
      if (!failover) throw new Error(`${p2pFailure} Proxy failover is off.`);
      // Told with the status change that follows (one change, not two).
      if (p2pFailure && p2p)
        this.lastFailure = { at: Date.now(), reason: `P2P did not open: ${p2pFailure}` };
      return this.use(new RelayPath(client.credentials.apiUrl, session.token), p2pFailure);
    } catch (error) {
      await this.release();
      const why = messageOf(error);
      this.lastFailure = { at: Date.now(), reason: why };
      // An offline device is waited for (place() tries again): still connecting, and why.
      if (/offline/i.test(why)) this.setStatus("connecting", `Waiting for the device: ${why}`);
      else this.setStatus("failed", why);
      throw error;
    }
  }

  /** After a failover: P2P again in the background, with backoff, while the relay serves. */
  private openPeerPath(client: BrokerClient, session: PeerSessionView): Promise<StreamPath> {
    return PeerPath.open({
      client,
      session,
      waitMs: this.env.p2pWaitMs ?? DEFAULT_P2P_WAIT_MS,
      bindAddress: this.env.p2pBindAddress,
      direct: this.env.p2pDirect,
    });
  }

  private retryP2pLater(): void {
    clearTimeout(this.p2pRetryTimer);
    if (this.spec.route !== "adaptive" || this.closed) return;
    const delay = this.p2pRetryMs;
    this.p2pRetryMs = Math.min(delay * 2, P2P_RETRY_MAX_MS);
    this.p2pRetryTimer = setTimeout(() => void this.retryP2p(), delay);
    this.p2pRetryTimer.unref();
  }

  private async retryP2p(): Promise<void> {
    const client = this.env.client();
    const session = this.session;
    const relay = this.path;
    if (!client || !session || relay?.kind !== "relay") return;
    let peer: StreamPath;
    try {
      peer = await this.openPeerPath(client, session);
    } catch (error) {
      if (this.path === relay && !this.closed) {
        this.noteFailure(`P2P retry: ${messageOf(error)}`);
        this.retryP2pLater();
      }
      return;
    }
    if (this.closed || this.path !== relay || this.session !== session) {
      peer.close();
      return;
    }
    // New sockets take P2P; the relay's own stay where they are until they close.
    this.retired.add(relay);
    this.p2pRetryMs = P2P_RETRY_FIRST_MS;
    this.use(peer, null);
  }

  private use(path: StreamPath, reason: string | null): StreamPath {
    if (this.closed) {
      // Left open, its peer connection would outlive the listener (and keep the process up).
      path.close();
      throw new Error("The connection was closed while its path opened.");
    }
    this.path = path;
    this.lastPath = path.kind;
    this.pathSince = Date.now();
    path.onDown((why) => {
      if (this.path !== path || this.closed) return;
      this.path = null;
      this.lastFailure = {
        at: Date.now(),
        reason: `${path.kind === "p2p" ? "P2P" : "The relay"} dropped: ${why}.`,
      };
      // P2P dropped: new sockets fail over to the relay of the same session.
      const client = this.env.client();
      const token = this.session?.token;
      if (path.kind === "p2p" && this.spec.route !== "p2p" && client && token) {
        this.use(new RelayPath(client.credentials.apiUrl, token), `P2P dropped: ${why}.`);
        return;
      }
      void this.release();
      this.setStatus("idle", why);
    });
    if (path.kind === "relay") this.retryP2pLater();
    this.setStatus("connected", reason);
    this.watchIdle();
    return path;
  }

  /** Closes the path and the broker's session; the next local connect opens them again. */
  private async release(): Promise<void> {
    const path = this.path;
    this.path = null;
    if (path) this.pathSince = Date.now();
    clearTimeout(this.p2pRetryTimer);
    this.p2pRetryMs = P2P_RETRY_FIRST_MS;
    path?.close();
    for (const retired of this.retired) retired.close();
    this.retired.clear();
    const sessionId = this.session?.id;
    this.session = null;
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
