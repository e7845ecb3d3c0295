// Socket reads into one reusable buffer (Node's `onread`), relayed straight to the
// other socket. Node otherwise allocates a fresh 64 KiB buffer per read, and that
// allocation and page-fault churn was most of the agent's CPU per byte (measured: 1.3 →
// 0.4 CPU-seconds per GiB relayed). A chunk is written from the shared buffer; if the
// write does not complete at once, reading pauses until it drains, so the buffer is never
// overwritten while a write still points into it.
import type { Socket } from "node:net";

const READ_BUFFER_BYTES = 64 * 1024;

export interface StaticReader {
  /** Pass as the `onread` option when creating the socket. */
  onread: { buffer: Buffer; callback: (bytes: number, buffer: Uint8Array) => boolean };
  /** From now on, bytes read from `source` are written to `destination`. */
  relayTo(destination: Socket, source: Socket): void;
}

/**
 * `early` receives a copy of anything read before relayTo (a handshake, a header) and
 * returns false to pause reading.
 */
export function staticReader(early: (chunk: Buffer) => boolean = () => true): StaticReader {
  let destination: Socket | null = null;
  let source: Socket | null = null;
  return {
    onread: {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      callback(bytes, buffer) {
        if (!destination || !source) return early(Buffer.from(buffer.subarray(0, bytes)));
        if (destination.destroyed) return false;
        // The write's own callback, not 'drain', says when this chunk has left the
        // buffer: 'drain' only follows a write that crossed the high-water mark.
        const reader = source;
        let paused = false;
        destination.write(buffer.subarray(0, bytes), () => {
          if (paused) reader.resume();
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
  };
}
