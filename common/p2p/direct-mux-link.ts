// One direct-path connection carrying many streams (the frames: direct-mux.ts), both ends
// alike: the client opens streams and pings, the agent answers them. Each stream joins one
// local socket (the client's visitor, the agent's service connection) to the link, with a
// credit window so a stalled reader holds back only its own stream.
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import {
  type ControlFrame,
  CREDIT_EVERY_BYTES,
  creditFrame,
  DEAD_AFTER_MS,
  dataHeader,
  EARLY_BYTES,
  encodeFrame,
  FrameParser,
  FrameType,
  MAX_DATA_BYTES,
  MuxProtocolError,
  PING_EVERY_MS,
  refusedFrame,
  WINDOW_BYTES,
} from "./direct-mux.js";

export type MuxRole = "client" | "agent";

export interface MuxLinkEvents {
  /** Agent: the client opened stream `id`; answer with ready() or refuse(). */
  opened?(id: number): void;
  /** Client: the agent reached the service for `id`; attach() its socket. */
  ready?(id: number): void;
  /** Client: the agent could not reach the service, or reset the stream before READY. */
  refused?(id: number, reason: string): void;
  /** Agent: the client gave up stream `id` before it was ready. */
  cancelled?(id: number): void;
  /**
   * The link is gone (closed, dead, or broken): every attached socket is destroyed.
   * `broken` when the other end broke the protocol, which is worth a log line.
   */
  closed(reason: string, broken: boolean): void;
}

/** Bytes of DATA payload moved, for the agent's counters. */
export interface MuxCounters {
  sent: number;
  received: number;
}

interface Stream {
  socket: Socket;
  /**
   * The client's stream before READY: what its socket sent so far, kept so that a link
   * that dies before READY can give the bytes back to the socket (unshift) and the socket
   * can go to another path as if nothing had been read. Null once ready.
   */
  early: Buffer[] | null;
  earlyBytes: number;
  /** Takes attach()'s listeners off the socket again (giveBack()). */
  detach: () => void;
  /** Bytes we may still send before the peer credits more. */
  sendCredit: number;
  /** Bytes the peer may still send us; beyond it the peer is broken. */
  receiveAllowed: number;
  /** Bytes our socket took and we have not credited back yet. */
  unreported: number;
  /** Bytes written while our socket asked to drain: credited on its 'drain'. */
  held: number;
  /** Bytes read past the credit, sent first when more comes: a sender never overdraws. */
  backlog: Buffer[];
  /** The socket's FIN, which leaves after the backlog. */
  endAfterBacklog: boolean;
  /** Corked while a DATA frame's pieces arrive. */
  corked: boolean;
  resetByPeer: boolean;
}

/**
 * A stream opened and not attached yet. The agent keeps here the DATA (and END) a client
 * sent before READY, delivered to the service once it is reached.
 */
class Pending {
  readonly early: Buffer[] = [];
  bytes = 0;
  ended = false;
}
/** Reads from this size on are framed with the link corked (see linkCorked). */
const CORK_FROM_BYTES = 16 * 1024;
/**
 * Local sockets stop being read while the link holds this much unsent (above its 16 KiB
 * high-water mark, so its 'drain' comes): enough for a loop turn's reads to go as one.
 */
const LINK_BUFFER_BYTES = 256 * 1024;

export class MuxLink {
  private readonly streams = new Map<number, Stream | Pending>();
  /** The highest id opened: lower ids not in `streams` have ended, and their frames are dropped. */
  private highestId = 0;
  private readonly parser: FrameParser;
  private done = false;
  private chunksSeen = 0;
  private heardAt = Date.now();
  private readonly timer: NodeJS.Timeout;
  /**
   * The link is corked for the rest of a loop turn once a large read is framed: a 64 KiB
   * read plus its 9-byte header is five TLS records, the fifth of 9 bytes; corked, the
   * frames of one turn go to TLS as one write. A small read is written at once (it fits
   * one record anyway, and an interactive byte must not wait).
   */
  private linkCorked = false;

  constructor(
    private readonly link: Duplex,
    private readonly role: MuxRole,
    private readonly events: MuxLinkEvents,
    private readonly counters: MuxCounters = { sent: 0, received: 0 },
  ) {
    this.parser = new FrameParser({
      control: (frame) => this.onControl(frame),
      data: (id, piece, last) => this.onData(id, piece, last),
    });
    link.on("data", (chunk: Buffer) => this.push(chunk));
    link.on("drain", () => {
      for (const stream of this.streams.values())
        if (!(stream instanceof Pending)) this.maybeResume(stream);
    });
    link.once("close", () => this.finish("the other end closed the direct path"));
    link.on("error", () => link.destroy());
    // The client pings; the agent only listens for them (twice the bound: a client that
    // went without closing its socket is let go, with everything it held).
    const every = role === "client" ? PING_EVERY_MS : DEAD_AFTER_MS;
    const deadAfter = role === "client" ? DEAD_AFTER_MS : 2 * DEAD_AFTER_MS;
    this.timer = setInterval(() => {
      const now = Date.now();
      if (this.chunksSeen > 0) {
        this.chunksSeen = 0;
        this.heardAt = now;
      } else if (now - this.heardAt > deadAfter) {
        this.fail(
          role === "client"
            ? "the agent's direct address stopped answering"
            : "the client stopped pinging",
        );
        return;
      }
      if (role === "client") this.write(encodeFrame(FrameType.PING, 0));
    }, every);
    this.timer.unref();
  }

  /** Bytes that arrived with the first byte, before this link listened. */
  push(chunk: Buffer): void {
    if (this.done) return;
    this.chunksSeen++;
    try {
      this.parser.push(chunk);
    } catch (error) {
      if (!(error instanceof MuxProtocolError)) throw error;
      this.fail(`the direct path broke the protocol: ${error.message}`, true);
    }
  }

  /** Streams open or opening now. */
  get size(): number {
    return this.streams.size;
  }

  /** Client: opens a stream; its socket is attached once the agent says READY. */
  open(): number {
    const id = ++this.highestId;
    this.streams.set(id, new Pending());
    this.write(encodeFrame(FrameType.OPEN, id));
    return id;
  }

  /** Whether `id` is still waiting for its READY (or, on the agent, its service). */
  isPending(id: number): boolean {
    return this.streams.get(id) instanceof Pending;
  }

  /** Agent: the service is reached. */
  ready(id: number, socket: Socket): void {
    if (!this.isPending(id)) return;
    this.write(encodeFrame(FrameType.READY, id));
    this.attach(id, socket);
  }

  /** Agent: the service is not reachable; the sentence goes to the client. */
  refuse(id: number, reason: string): void {
    if (!this.isPending(id)) return;
    this.streams.delete(id);
    this.write(refusedFrame(id, reason));
  }

  /**
   * Joins a pending stream to its socket (flowing once attached; the caller resumes it).
   * The client attaches right after open(): its socket's first bytes go out before READY
   * (`early`), which saves the READY round trip on every new socket's first byte.
   */
  attach(id: number, socket: Socket, early = false): void {
    const pending = this.streams.get(id);
    if (!(pending instanceof Pending) || this.done) {
      socket.destroy();
      return;
    }
    const stream: Stream = {
      socket,
      early: early ? [] : null,
      earlyBytes: 0,
      detach: () => {},
      sendCredit: WINDOW_BYTES,
      receiveAllowed: WINDOW_BYTES,
      unreported: 0,
      held: 0,
      backlog: [],
      endAfterBacklog: false,
      corked: false,
      resetByPeer: false,
    };
    this.streams.set(id, stream);
    const onData = (chunk: Buffer) => this.send(id, stream, chunk);
    const onEnd = () => {
      if (stream.backlog.length > 0) stream.endAfterBacklog = true;
      else this.write(encodeFrame(FrameType.END, id));
    };
    const onDrain = () => {
      stream.unreported += stream.held;
      stream.held = 0;
      this.credit(id, stream);
    };
    const onError = () => socket.destroy();
    const onClose = () => {
      if (this.streams.get(id) === stream) this.streams.delete(id);
      const graceful = socket.readableEnded && socket.writableFinished;
      if (!graceful && !stream.resetByPeer) this.write(encodeFrame(FrameType.RESET, id));
    };
    socket.on("data", onData).on("end", onEnd).on("drain", onDrain);
    socket.on("error", onError).on("close", onClose);
    stream.detach = () => {
      socket.off("data", onData).off("end", onEnd).off("drain", onDrain);
      socket.off("error", onError).off("close", onClose);
    };
    // The agent: what the client sent before READY goes to the service first.
    for (const piece of pending.early) this.deliver(id, stream, piece, true);
    if (pending.ended) socket.end();
  }

  /**
   * Client: takes a stream that got no READY off its socket, the bytes it sent back in
   * the socket's readable buffer, paused, as carry() received it; false when that cannot
   * be (the socket already ended or closed), and the socket is destroyed instead.
   */
  private giveBack(stream: Stream): boolean {
    const { socket } = stream;
    stream.detach();
    socket.pause();
    if (socket.destroyed || socket.readableEnded) {
      socket.destroy();
      return false;
    }
    if (stream.earlyBytes > 0) socket.unshift(Buffer.concat(stream.early ?? []));
    return true;
  }

  /** Closes the link and everything on it. */
  close(): void {
    this.finish("the direct path closed");
    this.link.destroy();
  }

  private send(id: number, stream: Stream, chunk: Buffer): void {
    if (this.done) return;
    if (stream.early) {
      // Node hands each read over in a buffer of its own: keeping it is keeping a copy.
      stream.early.push(chunk);
      stream.earlyBytes += chunk.length;
      if (stream.earlyBytes >= EARLY_BYTES) stream.socket.pause();
    }
    if (stream.backlog.length > 0) stream.backlog.push(chunk);
    else {
      const sendable = Math.min(chunk.length, Math.max(stream.sendCredit, 0));
      this.sendFrames(id, stream, sendable === chunk.length ? chunk : chunk.subarray(0, sendable));
      if (sendable < chunk.length) stream.backlog.push(chunk.subarray(sendable));
    }
    if (stream.sendCredit <= 0 || this.linkFull()) stream.socket.pause();
  }

  private sendFrames(id: number, stream: Stream, bytes: Buffer): void {
    if (!this.linkCorked && bytes.length >= CORK_FROM_BYTES) {
      this.linkCorked = true;
      this.link.cork();
      setImmediate(() => {
        this.linkCorked = false;
        this.link.uncork();
      });
    }
    for (let at = 0; at < bytes.length; at += MAX_DATA_BYTES) {
      const piece =
        bytes.length <= MAX_DATA_BYTES ? bytes : bytes.subarray(at, at + MAX_DATA_BYTES);
      this.link.write(dataHeader(id, piece.length));
      this.link.write(piece);
      stream.sendCredit -= piece.length;
      this.counters.sent += piece.length;
    }
  }

  /** Whether the link holds enough unsent to stop reading local sockets until 'drain'. */
  private linkFull(): boolean {
    return this.link.writableLength >= LINK_BUFFER_BYTES;
  }

  /** Sends what the credit now allows of the backlog, then the FIN if it waited for it. */
  private flushBacklog(id: number, stream: Stream): void {
    while (stream.backlog.length > 0 && stream.sendCredit > 0) {
      const next = stream.backlog[0] as Buffer;
      const sendable = Math.min(next.length, stream.sendCredit);
      this.sendFrames(id, stream, sendable === next.length ? next : next.subarray(0, sendable));
      if (sendable === next.length) stream.backlog.shift();
      else stream.backlog[0] = next.subarray(sendable);
    }
    if (stream.backlog.length === 0 && stream.endAfterBacklog) {
      stream.endAfterBacklog = false;
      this.write(encodeFrame(FrameType.END, id));
    }
  }

  private maybeResume(stream: Stream): void {
    const { socket } = stream;
    if (stream.sendCredit <= 0 || stream.backlog.length > 0 || this.linkFull()) return;
    if (stream.early && stream.earlyBytes >= EARLY_BYTES) return;
    if (socket.isPaused()) {
      if (!socket.destroyed && !socket.readableEnded) socket.resume();
    }
  }

  private credit(id: number, stream: Stream): void {
    if (stream.unreported === 0) return;
    stream.receiveAllowed += stream.unreported;
    this.write(creditFrame(id, stream.unreported));
    stream.unreported = 0;
  }

  private onData(id: number, piece: Buffer, last: boolean): void {
    const stream = this.streams.get(id);
    if (stream === undefined) {
      if (id > this.highestId)
        throw new MuxProtocolError(`DATA arrived for stream ${id}, never opened`);
      return; // a stream that ended here; its late bytes have nowhere to go
    }
    if (stream instanceof Pending) {
      if (this.role === "client") {
        throw new MuxProtocolError(`DATA arrived for stream ${id} before READY`);
      }
      stream.bytes += piece.length;
      // The client stops reading at EARLY_BYTES, but the read that crosses it is sent
      // whole: the bound that holds here is the stream's window, as after READY.
      if (stream.bytes > WINDOW_BYTES) {
        throw new MuxProtocolError(`stream ${id} sent more than its ${WINDOW_BYTES}-byte window`);
      }
      // The parser's pieces are views of the link's own chunks, never reused: kept as is.
      stream.early.push(piece);
      return;
    }
    this.deliver(id, stream, piece, last);
  }

  /** Writes a DATA piece to the stream's socket, crediting what the socket took. */
  private deliver(id: number, stream: Stream, piece: Buffer, last: boolean): void {
    stream.receiveAllowed -= piece.length;
    if (stream.receiveAllowed < 0) {
      throw new MuxProtocolError(`stream ${id} sent more than its ${WINDOW_BYTES}-byte window`);
    }
    this.counters.received += piece.length;
    const { socket } = stream;
    if (socket.destroyed || socket.writableEnded) return;
    // A frame in several records is written to the socket corked until its last piece:
    // one writev instead of a write per record. A frame in one piece goes at once.
    if (!last && !stream.corked) {
      stream.corked = true;
      socket.cork();
    }
    const took = socket.write(piece);
    if (last && stream.corked) {
      stream.corked = false;
      socket.uncork();
    }
    if (took) {
      stream.unreported += piece.length;
      if (stream.unreported >= CREDIT_EVERY_BYTES) this.credit(id, stream);
    } else stream.held += piece.length;
  }

  private onControl({ type, id, payload }: ControlFrame): void {
    const entry = this.streams.get(id);
    const fromClient = type === FrameType.OPEN || type === FrameType.PING;
    const fromAgent =
      type === FrameType.READY || type === FrameType.REFUSED || type === FrameType.PONG;
    if ((fromClient && this.role === "client") || (fromAgent && this.role === "agent")) {
      throw new MuxProtocolError(`the ${this.role} received a frame of type ${type} it sends`);
    }
    switch (type) {
      case FrameType.PING:
        this.write(encodeFrame(FrameType.PONG, 0));
        return;
      case FrameType.PONG:
        return;
      case FrameType.OPEN:
        if (id <= this.highestId) {
          throw new MuxProtocolError(`stream ${id} was opened again (ids only increase)`);
        }
        this.highestId = id;
        this.streams.set(id, new Pending());
        this.events.opened?.(id);
        return;
    }
    if (entry === undefined) {
      if (id > this.highestId)
        throw new MuxProtocolError(`a frame arrived for stream ${id}, never opened`);
      return; // for a stream that ended here
    }
    switch (type) {
      case FrameType.READY:
        if (entry instanceof Pending || !entry.early) {
          if (!(entry instanceof Pending)) {
            throw new MuxProtocolError(`stream ${id} was made ready twice`);
          }
          this.events.ready?.(id);
          return;
        }
        // Attached early: its copies are no longer needed, and it may read on.
        entry.early = null;
        entry.earlyBytes = 0;
        this.events.ready?.(id);
        this.maybeResume(entry);
        return;
      case FrameType.REFUSED:
        if (!(entry instanceof Pending) && !entry.early) {
          throw new MuxProtocolError(`stream ${id} was refused after READY`);
        }
        this.streams.delete(id);
        if (!(entry instanceof Pending)) this.giveBack(entry);
        this.events.refused?.(id, payload.toString("utf8"));
        return;
      case FrameType.RESET:
        if (entry instanceof Pending || entry.early) {
          this.streams.delete(id);
          if (!(entry instanceof Pending)) this.giveBack(entry);
          if (this.role === "client") this.events.refused?.(id, "the agent reset the stream");
          else this.events.cancelled?.(id);
          return;
        }
        entry.resetByPeer = true;
        entry.socket.destroy();
        return;
      case FrameType.END:
        if (!(entry instanceof Pending)) entry.socket.end();
        else if (this.role === "agent") entry.ended = true;
        return;
      case FrameType.CREDIT:
        if (!(entry instanceof Pending)) {
          entry.sendCredit += payload.readUInt32BE(0);
          this.flushBacklog(id, entry);
          this.maybeResume(entry);
        }
        return;
    }
  }

  private write(frame: Buffer): void {
    if (!this.done && this.link.writable) this.link.write(frame);
  }

  private fail(reason: string, broken = false): void {
    this.finish(reason, broken);
    this.link.destroy();
  }

  private finish(reason: string, broken = false): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.timer);
    const attached = [...this.streams.values()];
    this.streams.clear();
    for (const stream of attached) {
      if (stream instanceof Pending) continue;
      // A client's stream with no READY yet goes back to its owner, bytes and all.
      if (stream.early) this.giveBack(stream);
      else stream.socket.destroy();
    }
    this.events.closed(reason, broken);
  }
}
