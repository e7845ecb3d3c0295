// The kept-alive connections to one device's web service, each a tunnel stream (through
// TLS for an https service), so the reverse proxy reuses them across requests. At most
// MAX_CONNECTIONS are in use at once; further requests wait for one. An idle connection is
// closed shortly before the service's Keep-Alive hint says the service would close it (4 s
// without a hint), so a request is not sent on a connection the service is closing.
import type { Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { StreamOpener } from "./port-proxy.js";
import { ServiceConnection } from "./service-connection.js";

/** As many as the visitors may need at once (undici's pool had the same bound). */
const MAX_CONNECTIONS = 256;
const DEFAULT_IDLE_MS = 4_000;
/** Idle connections are closed this long before the service's own Keep-Alive timeout. */
const IDLE_MARGIN_MS = 1_000;
const MAX_IDLE_MS = 600_000;

interface Idle {
  connection: ServiceConnection;
  timer: NodeJS.Timeout;
  drop: () => void;
}

export class TunnelHttpPool {
  private readonly idle: Idle[] = [];
  private readonly waiting: Array<{
    resolve: (c: ServiceConnection) => void;
    reject: (e: Error) => void;
  }> = [];
  private inUse = 0;
  private closed = false;

  constructor(
    private readonly openStream: StreamOpener,
    private readonly options: { tls: boolean; servername: string },
  ) {}

  /** A connection to the service for one exchange: an idle one, else a new one. */
  acquire(): Promise<ServiceConnection> {
    if (this.closed) return Promise.reject(new Error("The route is closed."));
    const idle = this.idle.pop();
    if (idle) {
      this.forgetIdle(idle);
      this.inUse++;
      return Promise.resolve(idle.connection);
    }
    if (this.inUse >= MAX_CONNECTIONS) {
      return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
    }
    this.inUse++;
    return this.open().catch((error: Error) => {
      this.slotFreed();
      throw error;
    });
  }

  /** Gives back a connection whose response was read to its end and that may be reused. */
  release(connection: ServiceConnection, keepAliveMs: number | null): void {
    const socket = connection.socket;
    connection.onBytes(null);
    if (this.closed || socket.destroyed) {
      socket.destroy();
      this.slotFreed();
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.resolve(connection);
      return;
    }
    this.inUse--;
    const idleMs =
      keepAliveMs === null
        ? DEFAULT_IDLE_MS
        : Math.min(Math.max(keepAliveMs - IDLE_MARGIN_MS, 0), MAX_IDLE_MS);
    // Bytes (see ServiceConnection) or an end from an idle service mean it is not waiting
    // for a request any more.
    const entry: Idle = {
      connection,
      timer: setTimeout(() => entry.drop(), idleMs),
      drop: () => {
        const at = this.idle.indexOf(entry);
        if (at !== -1) this.idle.splice(at, 1);
        this.forgetIdle(entry);
        socket.destroy();
      },
    };
    entry.timer.unref();
    socket.on("end", entry.drop);
    socket.on("close", entry.drop);
    this.idle.push(entry);
  }

  /** Ends a connection that cannot carry another request. */
  discard(connection: ServiceConnection): void {
    connection.socket.destroy();
    this.slotFreed();
  }

  async destroy(): Promise<void> {
    this.closed = true;
    for (const entry of this.idle.splice(0)) entry.drop();
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error("The route is closed."));
  }

  private forgetIdle(entry: Idle): void {
    clearTimeout(entry.timer);
    entry.connection.socket.off("end", entry.drop);
    entry.connection.socket.off("close", entry.drop);
  }

  /** One connection fewer in use: a waiting request gets a new one in its place. */
  private slotFreed(): void {
    const waiter = this.waiting.shift();
    if (!waiter) {
      this.inUse--;
      return;
    }
    this.open().then(waiter.resolve, (error: Error) => {
      waiter.reject(error);
      this.slotFreed();
    });
  }

  private async open(): Promise<ServiceConnection> {
    const stream = await this.openStream();
    // Errors end the connection; the exchange on it sees the close.
    stream.on("error", () => stream.destroy());
    if (!this.options.tls) return new ServiceConnection(stream);
    const secure = wrapTls(stream, this.options.servername);
    return new Promise((resolve, reject) => {
      secure.once("secureConnect", () => resolve(new ServiceConnection(secure)));
      secure.once("error", reject);
      secure.on("error", () => secure.destroy());
    });
  }
}

/**
 * An https service's certificate is usually self-signed on the device; like remote.it,
 * the reverse proxy encrypts to it without verifying, and the public side is the
 * broker's own TLS.
 */
export function wrapTls(stream: Socket, servername: string): Socket {
  return tlsConnect({
    socket: stream,
    rejectUnauthorized: false,
    ...(servername ? { servername } : {}),
  });
}
