// Carries one TCP socket over one WebRTC data channel, both ends alike (client and agent).
//
// Binary messages are the socket's bytes. Text messages are control:
//   "end"      the sender's socket read its FIN: half-close ours (TCP semantics survive).
//   "reset"    the sender's socket failed: destroy ours.
//   "ack:N"    the sender wrote N more of our bytes into its socket.
// Data channels give the receiver no way to push back, so flow control is a credit window:
// a side stops reading its socket while more than WINDOW bytes it sent are unacknowledged,
// which bounds the memory either end holds for a slow reader.
import type { Socket } from "node:net";
import type { DataChannel } from "node-datachannel";

const WINDOW_BYTES = 4 * 1024 * 1024;
const ACK_EVERY_BYTES = WINDOW_BYTES / 8;
/** How long a finished channel may wait for its last bytes to leave before closing. */
const DRAIN_WAIT_MS = 10_000;

export interface RelayCounters {
  /** Bytes from the socket into the channel. */
  sent: number;
  /** Bytes from the channel into the socket. */
  received: number;
}

export function relaySocketOverChannel(
  socket: Socket,
  channel: DataChannel,
  counters: RelayCounters,
  /** Called once the channel has closed. */
  onChannelClosed: () => void = () => {},
): void {
  let unacked = 0;
  let unreported = 0;
  let finished = false;

  const onMessage = (message: string | Buffer | ArrayBuffer) => {
    if (typeof message === "string") {
      if (message === "end") socket.end();
      else if (message === "reset") socket.destroy();
      else if (message.startsWith("ack:")) {
        unacked -= Number(message.slice(4)) || 0;
        if (unacked <= WINDOW_BYTES / 2 && socket.isPaused() && !finished) socket.resume();
      }
      return;
    }
    const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message);
    counters.received += bytes.length;
    if (socket.destroyed || socket.writableEnded) return;
    socket.write(bytes, () => {
      unreported += bytes.length;
      if (unreported >= ACK_EVERY_BYTES || socket.writableLength === 0) {
        send(channel, `ack:${unreported}`);
        unreported = 0;
      }
    });
  };
  // Registered once: replacing a data channel's onMessage drops what was queued for it.
  channel.onMessage(onMessage);

  socket.on("data", (chunk: Buffer) => {
    if (!channel.isOpen()) return;
    counters.sent += chunk.length;
    unacked += chunk.length;
    if (!send(channel, chunk)) socket.destroy();
    else if (unacked > WINDOW_BYTES) socket.pause();
  });
  socket.on("end", () => {
    send(channel, "end");
  });
  socket.on("error", () => socket.destroy());
  socket.on("close", (hadError) => {
    finished = true;
    if (!channel.isOpen()) return;
    const graceful = !hadError && socket.readableEnded && socket.writableFinished;
    if (!graceful) {
      resetChannel(channel);
      return;
    }
    closeWhenDrained(channel);
  });
  channel.onClosed(() => {
    finished = true;
    onChannelClosed();
    // After a graceful finish both ways the socket flushes and closes by itself; anything
    // else unfinished cannot complete now that the peer is gone.
    if (!socket.destroyed && !(socket.writableEnded && socket.readableEnded)) socket.destroy();
  });
  channel.onError(() => socket.destroy());
}

/** Tells the other end its socket failed (or never opened), and closes the channel. */
export function resetChannel(channel: DataChannel): void {
  send(channel, "reset");
  channel.close();
}

/**
 * Sends on a channel that may close underneath: libdatachannel closes channels on its own
 * thread, so isOpen() can be true a moment before sendMessage throws "DataChannel is
 * closed" (seen from an ack written in a socket's write callback). A channel that closed
 * is reported by onClosed; here it only means the message is dropped. False when it was.
 * (libdatachannel's own false means "queued, not yet sent", which is no failure.)
 * Every send from inside a node-datachannel callback must go through here: an exception
 * thrown there cannot reach JavaScript and aborts the process.
 */
export function send(channel: DataChannel, message: string | Buffer): boolean {
  if (!channel.isOpen()) return false;
  try {
    if (typeof message === "string") channel.sendMessage(message);
    else channel.sendMessageBinary(message);
    return true;
  } catch {
    return false;
  }
}

function closeWhenDrained(channel: DataChannel): void {
  const deadline = Date.now() + DRAIN_WAIT_MS;
  const check = () => {
    if (!channel.isOpen()) return;
    if (channel.bufferedAmount() === 0 || Date.now() > deadline) channel.close();
    else setTimeout(check, 20).unref();
  };
  check();
}
