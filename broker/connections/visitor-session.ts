// One visitor of a connection, as remote.it's Session describes it: who (the address), when
// they came, bytes so far, and whether they are still connected. A port proxy's visitor is
// its admitted socket; a reverse proxy's is one client keep-alive connection (every request
// on it belongs to the same session). Sessions live in memory and end with their socket.
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { canonicalAddress } from "../../common/host-ip.js";

export class VisitorSession {
  /** Made when first asked for (an API read): most visitors are never listed. */
  private madeId: string | null = null;
  /** The socket's address as Node gave it, canonical only when asked for. */
  private readonly remoteAddress: string;
  private canonical: string | null = null;
  /** When the socket closed, ISO 8601; null while connected. */
  ended: string | null = null;
  /** Bytes counted at the end, so a closed session keeps its figures. */
  private final: { in: number; out: number } | null = null;

  constructor(
    private readonly socket: Socket,
    /** When the visitor came, in ms: formatted only when someone asks (started). */
    private readonly startedAt: number,
  ) {
    this.remoteAddress = socket.remoteAddress ?? "";
  }

  get id(): string {
    this.madeId ??= randomUUID();
    return this.madeId;
  }

  get address(): string {
    this.canonical ??= canonicalAddress(this.remoteAddress);
    return this.canonical;
  }

  /** When the visitor came, ISO 8601. */
  get started(): string {
    return new Date(this.startedAt).toISOString();
  }

  get connected(): boolean {
    return this.ended === null;
  }

  /** Bytes from the visitor towards the service (Node's own counter: free to read). */
  get bytesIn(): number {
    return this.final?.in ?? this.socket.bytesRead;
  }

  /** Bytes from the service to the visitor. */
  get bytesOut(): number {
    return this.final?.out ?? this.socket.bytesWritten;
  }

  end(now: number): void {
    if (this.ended !== null) return;
    this.final = { in: this.socket.bytesRead, out: this.socket.bytesWritten };
    this.ended = new Date(now).toISOString();
  }
}
