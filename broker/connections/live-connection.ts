// A connection that is open right now: its stored row plus the visitors going through it
// (each one a session: see visitor-session.ts) and when it last saw traffic.
import type { Socket } from "node:net";
import type { ConnectionRow, ServiceRow } from "../store/store.js";
import { VisitorSession } from "./visitor-session.js";

/** Hears of sessions starting and ending (the broker's event bus, through the manager). */
export type SessionListener = (
  action: "started" | "ended",
  session: VisitorSession,
  live: LiveConnection,
) => void;

export class LiveConnection {
  readonly visitors = new Set<Socket>();
  lastActivity: number;
  private bytesSeen = 0;
  /** The live visitors' sessions, in the order they came. */
  private readonly sessionBySocket = new Map<Socket, VisitorSession>();
  /** The session that ended last, so a quiet connection still names its last visitor. */
  private lastEnded: VisitorSession | null = null;

  constructor(
    readonly row: ConnectionRow,
    readonly service: ServiceRow,
    now: number,
    private readonly onSession: SessionListener = () => {},
  ) {
    this.lastActivity = now;
  }

  /** Counts a visitor socket as traffic and keeps it so closing the connection closes it. */
  track(socket: Socket, now: number): void {
    this.lastActivity = now;
    if (this.visitors.has(socket)) return;
    this.visitors.add(socket);
    const session = new VisitorSession(socket, now);
    this.sessionBySocket.set(socket, session);
    socket.once("close", () => {
      this.visitors.delete(socket);
      this.sessionBySocket.delete(socket);
      session.end(Date.now());
      this.lastEnded = session;
      this.onSession("ended", session, this);
    });
    this.onSession("started", session, this);
  }

  /** The sessions of the visitors connected now, oldest first. */
  sessions(): VisitorSession[] {
    return [...this.sessionBySocket.values()];
  }

  /** The newest live session, else the one that ended last; null before any visitor. */
  latestSession(): VisitorSession | null {
    let latest: VisitorSession | null = null;
    for (const session of this.sessionBySocket.values()) latest = session;
    return latest ?? this.lastEnded;
  }

  /**
   * Folds the visitors' byte counters into lastActivity. Reading the counters Node keeps
   * anyway costs nothing on the data path, unlike a listener on every chunk.
   */
  sampleActivity(now: number): void {
    let bytes = 0;
    for (const socket of this.visitors) bytes += socket.bytesRead + socket.bytesWritten;
    if (bytes !== this.bytesSeen) {
      this.bytesSeen = bytes;
      this.lastActivity = now;
    }
  }

  /** Destroys every visitor socket at once (the proxy serving it is closed by its owner). */
  close(): void {
    for (const socket of this.visitors) socket.destroy();
    this.visitors.clear();
  }
}
