// One on-demand connection: a listener on 127.0.0.1:<port> that opens a path to its
// service when a local program connects, shares that path among all its sockets, and
// lets it go after the idle timeout. P2P is tried first; when it does not open within the
// bound (or drops later), the broker's relay carries the sockets instead.
import { createServer, type Server, type Socket } from "node:net";
import {
  DEFAULT_P2P_WAIT_MS,
  type OnDemandPath,
  type OnDemandSpec,
  type OnDemandStatus,
  type OnDemandView,
} from "../../common/on-demand.js";
import { messageOf } from "../../common/result.js";
import type { BrokerClient } from "../broker-client.js";
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
}

/** How often idleness is checked, at most. */
const IDLE_CHECK_MS = 1_000;

export class OnDemandConnection {
  private server: Server | null = null;
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

  constructor(
    private spec: OnDemandSpec,
    private readonly env: OnDemandEnvironment,
  ) {}

  /** Takes settings that do not change how it listens (name, templates, idle timeout…). */
  respec(spec: OnDemandSpec): void {
    this.spec = spec;
  }

  /** Starts listening; rejects with a sentence naming the port when it is taken. */
  async listen(): Promise<void> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    server.on("connection", (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            error.code === "EADDRINUSE"
              ? `Port ${this.spec.port} on 127.0.0.1 is in use by another program: choose another port.`
              : `Cannot listen on 127.0.0.1:${this.spec.port}: ${error.code ?? error.message}.`,
          ),
        ),
      );
      server.listen({ host: "127.0.0.1", port: this.spec.port }, () => resolve());
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
      address: `127.0.0.1:${this.spec.port}`,
      status: this.status,
      path: this.lastPath,
      reason: this.reason,
      bytesIn,
      bytesOut,
      openSockets: this.sockets.size,
      refused: 0,
      connectionId: null,
    };
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    for (const socket of this.sockets) socket.destroy();
    await this.release();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
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
    this.path = path;
    this.lastPath = path.kind;
    path.onDown((why) => {
      if (this.path !== path) return;
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
