// One kept-alive connection to a device's web service (a tunnel stream, or TLS over one)
// and where its bytes go: to the exchange using it, or, while it idles in the pool, to
// whatever drops it. A plain tunnel stream reads into one reused buffer (adopt-static-
// reads.ts): a fresh 64 KiB buffer per read, and the stream machinery behind each 'data'
// event, were the broker's per-read cost on large responses (per 1 MiB response, 1,245–
// 1,463 → 753–772 CPU µs; docs/benchmarks.md). Its chunks are then views valid only during
// the call, and a write from one goes through relayChunk(), which pauses reading until the
// write has left the buffer.
import type { Socket } from "node:net";
import { adoptStaticReader } from "../../common/stream/adopt-static-reads.js";
import type { StaticReader } from "../../common/stream/static-reader.js";

/** Where relayed chunks go: the visitor's ServerResponse. */
export interface Writer {
  write(chunk: Buffer, callback: () => void): boolean;
  end(chunk: Buffer): unknown;
  readonly writableLength: number;
  once(event: "close" | "finish", listener: () => void): unknown;
}

export class ServiceConnection {
  private handler: ((chunk: Buffer) => void) | null = null;
  private readonly reader: StaticReader | null;
  /** Writes not yet left, and the writer whose close gives them all back. */
  private readonly lent = new Set<() => void>();
  private guarded: Writer | null = null;
  /** A socket without the reused buffer is paused while the writer's buffer is full. */
  private paused = false;

  constructor(readonly socket: Socket) {
    this.reader = adoptStaticReader(socket);
    const deliver = (chunk: Buffer) => {
      // No exchange owns the connection: bytes now mean the service is not waiting for a
      // request, so it cannot carry one.
      if (this.handler) this.handler(chunk);
      else socket.destroy();
    };
    if (this.reader) this.reader.deliverTo(deliver, socket);
    else socket.on("data", deliver);
    socket.resume();
  }

  /** Chunks are views into a reused buffer, valid only during the handler's call. */
  get reused(): boolean {
    return this.reader !== null;
  }

  /** Who gets the bytes read from now on; null: none are expected. */
  onBytes(handler: ((chunk: Buffer) => void) | null): void {
    this.handler = handler;
  }

  /**
   * Writes `chunk` (bytes this connection handed over; `last` ends the writer with it).
   * A view into the reused buffer must stay unread-over until its write has left: reading
   * pauses while any is pending. Node's own buffers (a TLS service) need only the
   * backpressure a pipe has: reading pauses when the writer's buffer is full.
   */
  relayChunk(to: Writer, chunk: Buffer, last = false): void {
    let giveBack: (() => void) | null = null;
    let pending: boolean;
    if (last) {
      to.end(chunk);
      pending = this.reader !== null && to.writableLength > 0;
    } else {
      giveBack = this.lend();
      const full = !to.write(chunk, giveBack);
      pending = this.reader ? to.writableLength > 0 : full;
    }
    if (!pending) {
      // Written through at once (the bytes are the kernel's now), or room to spare.
      giveBack?.();
      return;
    }
    if (!giveBack) to.once("finish", this.lend());
    if (!this.reader && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    // A write whose socket closed first may never call back: the close gives it back.
    if (this.guarded !== to) {
      this.guarded = to;
      to.once("close", () => {
        for (const back of [...this.lent]) back();
      });
    }
  }

  private lend(): () => void {
    const fromReader = this.reader?.lend();
    const giveBack = () => {
      if (!this.lent.delete(giveBack)) return;
      fromReader?.();
      if (this.paused && this.lent.size === 0) {
        this.paused = false;
        this.socket.resume();
      }
    };
    this.lent.add(giveBack);
    return giveBack;
  }
}
