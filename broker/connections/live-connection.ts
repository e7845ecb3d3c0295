// A connection that is open right now: its stored row plus the visitors going through it
// and when it last saw traffic.
import type { Socket } from "node:net";
import type { ConnectionRow, ServiceRow } from "../store/store.js";

export class LiveConnection {
  readonly visitors = new Set<Socket>();
  lastActivity: number;
  private bytesSeen = 0;

  constructor(
    readonly row: ConnectionRow,
    readonly service: ServiceRow,
    now: number,
  ) {
    this.lastActivity = now;
  }

  /** Counts a visitor socket as traffic and keeps it so closing the connection closes it. */
  track(socket: Socket, now: number): void {
    this.lastActivity = now;
    if (this.visitors.has(socket)) return;
    this.visitors.add(socket);
    socket.once("close", () => this.visitors.delete(socket));
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
