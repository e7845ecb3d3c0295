// Finds where a service's response body ends, chunk by chunk, so the connection can carry
// the next request: Content-Length bodies are counted, chunked ones decoded (RFC 9112 §7.1,
// trailers read and dropped). The body's bytes are handed on as slices of what was read,
// never copied or buffered.
import type { BodyFraming } from "./response-head.js";
import { BadResponseError } from "./response-head.js";

/** The longest chunk-size line (with extensions) or trailer line accepted. */
const MAX_LINE = 4096;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,12})(?:[ \t]*;.*)?$/;

export interface BodySink {
  data(chunk: Buffer): void;
  /** The body is complete; `rest` holds bytes the service sent after it. */
  end(rest: Buffer): void;
}

export interface BodyReader {
  /**
   * Feeds bytes read from the service (ignored once done); throws BadResponseError on
   * broken chunked framing.
   */
  push(chunk: Buffer): void;
  readonly done: boolean;
}

export function bodyReader(framing: BodyFraming, sink: BodySink): BodyReader {
  if (framing.kind === "chunked") return chunkedReader(sink);
  let left = framing.kind === "length" ? framing.length : framing.kind === "none" ? 0 : -1;
  let done = false;
  const reader = {
    get done() {
      return done;
    },
    push(chunk: Buffer) {
      if (done) return;
      if (left < 0) {
        sink.data(chunk);
        return;
      }
      if (chunk.length <= left) {
        left -= chunk.length;
        if (chunk.length > 0) sink.data(chunk);
        if (left === 0) {
          done = true;
          sink.end(Buffer.alloc(0));
        }
        return;
      }
      if (left > 0) sink.data(chunk.subarray(0, left));
      done = true;
      sink.end(chunk.subarray(left));
    },
  };
  return reader;
}

type ChunkedState = "size" | "data" | "data-end" | "trailer";

function chunkedReader(sink: BodySink): BodyReader {
  let state: ChunkedState = "size";
  let left = 0;
  let line = "";
  let done = false;
  /** Reads up to a CRLF into `line`; returns the index after it, or -1 when not yet there. */
  const readLine = (chunk: Buffer, from: number): number => {
    const lf = chunk.indexOf(10, from);
    line += chunk.toString("latin1", from, lf === -1 ? chunk.length : lf + 1);
    if (line.length > MAX_LINE)
      throw new BadResponseError("The service sent a chunk line too long.");
    return lf === -1 ? -1 : lf + 1;
  };
  const takeLine = (): string => {
    if (!line.endsWith("\r\n")) throw new BadResponseError("The service sent a bare LF.");
    const text = line.slice(0, -2);
    line = "";
    return text;
  };
  return {
    get done() {
      return done;
    },
    push(chunk: Buffer) {
      let at = 0;
      while (!done && at < chunk.length) {
        if (state === "data") {
          const take = Math.min(left, chunk.length - at);
          sink.data(chunk.subarray(at, at + take));
          at += take;
          left -= take;
          if (left === 0) state = "data-end";
          continue;
        }
        const next = readLine(chunk, at);
        if (next === -1) return;
        at = next;
        const text = takeLine();
        if (state === "size") {
          const size = CHUNK_SIZE.exec(text);
          if (!size) throw new BadResponseError("The service sent a malformed chunk size.");
          left = Number.parseInt(size[1] as string, 16);
          state = left === 0 ? "trailer" : "data";
        } else if (state === "data-end") {
          if (text !== "") throw new BadResponseError("A chunk did not end where it said.");
          state = "size";
        } else if (text === "") {
          done = true;
          sink.end(chunk.subarray(at));
          return;
        }
      }
    },
  };
}
