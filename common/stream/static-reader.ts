// Socket reads into one reusable buffer (Node's `onread`), relayed straight to the
// other socket. Node otherwise allocates a fresh 64 KiB buffer per read, and that
// allocation and page-fault churn was most of the agent's CPU per byte (measured: 1.3 →
// 0.4 CPU-seconds per GiB relayed). A chunk is written from the shared buffer; if the
// write does not complete at once, reading pauses until it drains, so the buffer is never
// overwritten while a write still points into it.
//
// The buffers themselves come from a free list and go back to it once their socket has
// closed and no write still points into them: allocating 64 KiB of external memory per
// socket made V8 run a full mark-compact every ~50 ms at 1,500 visitors a second, and
// those pauses were the setup-latency tail.
import type { Socket } from "node:net";

const READ_BUFFER_BYTES = 64 * 1024;
/** At most this many idle buffers are kept (16 MiB); the rest are left to the GC. */
const MAX_FREE_BUFFERS = 256;
const freeBuffers: Buffer[] = [];

export interface StaticReader {
  /** Pass as the `onread` option when creating the socket. */
  onread: { buffer: Buffer; callback: (bytes: number, buffer: Uint8Array) => boolean };
  /** From now on, bytes read from `source` are written to `destination`. */
  relayTo(destination: Socket, source: Socket): void;
  /**
   * From now on, bytes read from `source` go to `handler` as a view into the buffer, valid
   * only during the call: whatever it writes from the view calls lend() first.
   */
  deliverTo(handler: (view: Buffer) => void, source: Socket): void;
  /**
   * A write now points into the buffer: reading pauses until the returned function (which
   * may be called more than once) says the write has left it.
   */
  lend(): () => void;
  /** Call once the reading socket has closed: the buffer is reused after its last write. */
  release(): void;
}

/** How many buffers wait on the free list (for tests). */
export function freeReadBuffers(): number {
  return freeBuffers.length;
}

/**
 * `early` receives a copy of anything read before relayTo (a handshake, a header) and
 * returns false to pause reading.
 */
export function staticReader(early: (chunk: Buffer) => boolean = () => true): StaticReader {
  let destination: Socket | null = null;
  let source: Socket | null = null;
  let handler: ((view: Buffer) => void) | null = null;
  const buffer = freeBuffers.pop() ?? Buffer.allocUnsafe(READ_BUFFER_BYTES);
  let writesInFlight = 0;
  let closed = false;
  let returned = false;
  const returnBuffer = () => {
    if (!closed || writesInFlight > 0 || returned) return;
    returned = true;
    if (freeBuffers.length < MAX_FREE_BUFFERS) freeBuffers.push(buffer);
  };
  return {
    onread: {
      buffer,
      callback(bytes, chunk) {
        if (handler) {
          handler((chunk as Buffer).subarray(0, bytes));
          return writesInFlight === 0;
        }
        if (!destination || !source) return early(Buffer.from(chunk.subarray(0, bytes)));
        if (destination.destroyed) return false;
        // The write's own callback, not 'drain', says when this chunk has left the
        // buffer: 'drain' only follows a write that crossed the high-water mark. Node
        // calls it for writes that fail or are dropped by destroy() too.
        const reader = source;
        let paused = false;
        writesInFlight++;
        destination.write(chunk.subarray(0, bytes), () => {
          writesInFlight--;
          if (paused) reader.resume();
          returnBuffer();
        });
        if (destination.writableLength === 0) return true;
        paused = true;
        return false;
      },
    },
    relayTo(to, from) {
      destination = to;
      source = from;
      from.on("end", () => to.end());
    },
    deliverTo(to, from) {
      handler = to;
      source = from;
    },
    lend() {
      writesInFlight++;
      let back = false;
      return () => {
        if (back) return;
        back = true;
        writesInFlight--;
        if (writesInFlight === 0 && !closed) source?.resume();
        returnBuffer();
      };
    },
    release() {
      closed = true;
      returnBuffer();
    },
  };
}
