// The direct path's multiplexing, written once for both ends (the client's direct-path.ts,
// the agent's direct-listener.ts): every local socket of a path is one stream on ONE
// long-lived TLS-PSK connection, the probe that won (common/p2p/direct-link.ts). A socket
// then costs a 9-byte frame instead of a TLS handshake: the refill handshake of one
// connection per socket (1.1–1.3 ms of CPU for both ends) was the whole gap between the
// direct path's warm first byte and the port proxy's (docs/on-demand.md).
//
// A frame is a 9-byte header, then its payload:
//   type (1 byte) | stream id (4 bytes, big-endian) | payload length (4 bytes, big-endian)
// The rules, and why:
// - OPEN(id) comes from the client only. Ids are the client's, increasing and never
//   reused on one link, so a late frame for a stream that ended is recognised (its id is
//   below the highest opened) and dropped, never taken for a new stream.
// - READY(id) / REFUSED(id, sentence) from the agent once it has (not) reached the service.
//   The client does not wait for READY: it sends the socket's first bytes (DATA, even END)
//   right after OPEN, up to EARLY_BYTES, and the agent holds them until the service is
//   reached, as the port proxy's agent holds the bytes behind a stream header. That saves
//   a round trip on every socket's first byte. The client keeps what it sent early until
//   READY, so a link that dies (or a REFUSED) before it gives the bytes back to the socket
//   and hands it to another path rather than resetting it.
// - DATA(id, bytes) is a stream's bytes. A receiver may deliver a payload in pieces as
//   the TLS records arrive (one 16 KiB record per `data` event): nothing is copied.
// - END(id) is a half-close: the sender's socket read its FIN; the other way keeps
//   flowing, as on every hop of Reach. RESET(id) is a stream that failed: destroy it.
// - CREDIT(id, n) gives the sender n more bytes of that stream: a receiver credits only
//   what its local socket took, so one slow local reader holds at most WINDOW_BYTES and
//   never stalls the other streams (the idea of common/p2p/channel-relay.ts's acks).
//   More DATA than was credited is a broken peer: the link closes.
// - PING from the client, PONG from the agent: the link's keepalive. A killed agent's
//   socket closes at once; a silent one (its machine, or the network, went) is dead after
//   DEAD_AFTER_MS without hearing anything.
// - A malformed frame (unknown type, oversize payload, a frame from the wrong end) closes
//   the link with a sentence naming it: there is no way to resynchronise a byte stream.

/** The client's first byte on a connection that carries a mux (a probe sends none). */
export const DIRECT_MUX = 0x03;

export const FrameType = {
  OPEN: 1,
  READY: 2,
  REFUSED: 3,
  DATA: 4,
  END: 5,
  RESET: 6,
  CREDIT: 7,
  PING: 8,
  PONG: 9,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const NAMES = new Map<number, string>(Object.entries(FrameType).map(([name, t]) => [t, name]));

export const HEADER_BYTES = 9;
/**
 * The largest DATA payload. A local socket reads at most 64 KiB at a time; a larger bound
 * lets a sender pass each read on as one frame, and the header's cost vanishes.
 */
export const MAX_DATA_BYTES = 256 * 1024;
/** A REFUSED frame's sentence is short; any other control payload is fixed. */
export const MAX_REASON_BYTES = 512;
/**
 * A stream's window: what a sender may have sent beyond the receiver's credit. 2 MiB keeps
 * a single stream at full speed on a LAN (a credit round trip is well under a millisecond
 * there) while bounding what one stalled reader holds.
 */
export const WINDOW_BYTES = 2 * 1024 * 1024;
/** A receiver credits back once this much was taken by its local socket (or it is idle). */
export const CREDIT_EVERY_BYTES = WINDOW_BYTES / 8;
/**
 * Open streams per link: with WINDOW_BYTES each this bounds the bytes in flight on one
 * link to 512 MiB at worst; a client past it hands the socket back (it is placed again).
 */
export const MAX_STREAMS = 256;
/**
 * What a client reads from a socket before its READY (and keeps a copy of until then): a
 * program's first message (a TLS ClientHello, an SSH banner, a query) fits. It stops
 * reading once this much was read, so the read that crosses it goes whole; the agent
 * holds early bytes up to the stream's window, the bound that applies after READY too.
 */
export const EARLY_BYTES = 64 * 1024;
/** The client's ping interval, and how long without hearing anything counts the link dead. */
export const PING_EVERY_MS = 500;
export const DEAD_AFTER_MS = 2_500;

/** One frame's header plus payload, as one Buffer: one write, so no TLS record is split. */
export function encodeFrame(type: FrameType, id: number, payload?: Buffer): Buffer {
  const length = payload?.length ?? 0;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + length);
  frame[0] = type;
  frame.writeUInt32BE(id, 1);
  frame.writeUInt32BE(length, 5);
  if (payload) payload.copy(frame, HEADER_BYTES);
  return frame;
}

/** A DATA frame's header alone, for a sender that writes header and payload together (writev). */
export function dataHeader(id: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header[0] = FrameType.DATA;
  header.writeUInt32BE(id, 1);
  header.writeUInt32BE(length, 5);
  return header;
}

export function creditFrame(id: number, bytes: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(bytes, 0);
  return encodeFrame(FrameType.CREDIT, id, payload);
}

export function refusedFrame(id: number, reason: string): Buffer {
  return encodeFrame(FrameType.REFUSED, id, truncatedUtf8(reason, MAX_REASON_BYTES));
}

/** A control frame (every type but DATA), its payload whole. */
export interface ControlFrame {
  type: FrameType;
  id: number;
  payload: Buffer;
}

export interface FrameSink {
  control(frame: ControlFrame): void;
  /**
   * A piece of a DATA frame's payload, in order; a frame may come in several pieces, and
   * `last` says this one ends it.
   */
  data(id: number, piece: Buffer, last: boolean): void;
}

export class MuxProtocolError extends Error {}

/** The largest payload each type may carry: DATA's bound, a reason's, 4 bytes of credit, none. */
function maxPayload(type: number): number | undefined {
  switch (type) {
    case FrameType.DATA:
      return MAX_DATA_BYTES;
    case FrameType.REFUSED:
      return MAX_REASON_BYTES;
    case FrameType.CREDIT:
      return 4;
    case FrameType.OPEN:
    case FrameType.READY:
    case FrameType.END:
    case FrameType.RESET:
    case FrameType.PING:
    case FrameType.PONG:
      return 0;
    default:
      return undefined;
  }
}

/**
 * Reads frames from a byte stream cut anywhere. DATA payloads are passed on as subarrays
 * of the chunks they arrived in; only headers and control payloads split across chunks
 * are gathered (they are small). Throws MuxProtocolError on a malformed frame.
 */
export class FrameParser {
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerHave = 0;
  /** The frame being read, once its header is whole. */
  private type = 0;
  private id = 0;
  private remaining = 0;
  private inFrame = false;
  private control: Buffer[] = [];

  constructor(private readonly sink: FrameSink) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (!this.inFrame) {
        // Fast path: a whole header within the chunk needs no copy.
        let header: Buffer;
        if (this.headerHave === 0 && chunk.length - at >= HEADER_BYTES) {
          header = chunk;
        } else {
          const take = Math.min(HEADER_BYTES - this.headerHave, chunk.length - at);
          chunk.copy(this.header, this.headerHave, at, at + take);
          this.headerHave += take;
          at += take;
          if (this.headerHave < HEADER_BYTES) return;
          header = this.header;
        }
        const base = header === chunk ? at : 0;
        this.begin(
          header[base] as number,
          header.readUInt32BE(base + 1),
          header.readUInt32BE(base + 5),
        );
        if (header === chunk) at += HEADER_BYTES;
        this.headerHave = 0;
        if (this.remaining === 0) this.finish();
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - at);
      const piece = take === chunk.length ? chunk : chunk.subarray(at, at + take);
      at += take;
      this.remaining -= take;
      if (this.type === FrameType.DATA) this.sink.data(this.id, piece, this.remaining === 0);
      else this.control.push(piece);
      if (this.remaining === 0) this.finish();
    }
  }

  private begin(type: number, id: number, length: number): void {
    const max = maxPayload(type);
    if (max === undefined) throw new MuxProtocolError(`a frame of unknown type ${type} arrived`);
    if (length > max) {
      throw new MuxProtocolError(
        `a ${NAMES.get(type)} frame of ${length} bytes arrived; the most is ${max}`,
      );
    }
    if (type === FrameType.CREDIT && length !== 4) {
      throw new MuxProtocolError(`a CREDIT frame of ${length} bytes arrived; it carries 4`);
    }
    if (type === FrameType.DATA && length === 0) {
      throw new MuxProtocolError("an empty DATA frame arrived");
    }
    this.type = type;
    this.id = id;
    this.remaining = length;
    this.inFrame = true;
  }

  private finish(): void {
    this.inFrame = false;
    if (this.type === FrameType.DATA) return;
    const payload =
      this.control.length === 1 ? (this.control[0] as Buffer) : Buffer.concat(this.control);
    this.control = [];
    this.sink.control({ type: this.type as FrameType, id: this.id, payload });
  }
}

export function frameName(type: FrameType): string {
  return NAMES.get(type) ?? String(type);
}

/** The first `max` bytes of a sentence's UTF-8, never cutting a character in two. */
function truncatedUtf8(text: string, max: number): Buffer {
  const bytes = Buffer.from(text);
  if (bytes.length <= max) return bytes;
  let end = max;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
