// Static reads (static-reader.ts) for sockets Node created itself: a server's accepted
// visitor, an HTTP server's upgraded connection. Node only takes `onread` when a socket
// is constructed, so for those the same two fields it sets from `onread` are set here,
// and the handle is pointed at the buffer (`useUserBuffer`, what Node calls for
// `onread`). Those fields are Node internals (net.js, Node 18–22): when they are not
// found, or the socket is TLS, or bytes already wait in its readable buffer, this
// returns null and the caller pipes as before — slower, never wrong.
import type { Socket } from "node:net";
import { type StaticReader, staticReader } from "./static-reader.js";

interface UserBufferHandle {
  useUserBuffer?: (buffer: Uint8Array) => void;
}

function ownSymbol(socket: Socket, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(socket).find((s) => s.description === description);
}

/** Reads of `socket` from now on land in one reused buffer; null when it cannot. */
export function adoptStaticReads(socket: Socket): StaticReader | null {
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
  if ("encrypted" in socket || socket.readableLength > 0 || socket.destroyed) return null;
  const pointHandleAt = handle?.useUserBuffer;
  if (typeof pointHandleAt !== "function") return null;
  const kBuffer = ownSymbol(socket, "kBuffer");
  const kBufferCb = ownSymbol(socket, "kBufferCb");
  const kBufferGen = ownSymbol(socket, "kBufferGen");
  if (!kBuffer || !kBufferCb || !kBufferGen) return null;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (fields[kBuffer] || fields[kBufferGen]) return null;
  const reader = staticReader();
  fields[kBuffer] = reader.onread.buffer;
  fields[kBufferCb] = reader.onread.callback;
  pointHandleAt.call(handle, reader.onread.buffer);
  socket.once("close", () => reader.release());
  return reader;
}

/**
 * Carries `from`'s bytes to `to`: from a reused buffer when it can (true), else by pipe
 * (false). `from` must then be resumed.
 */
export function carry(from: Socket, to: Socket): boolean {
  const reader = adoptStaticReads(from);
  if (reader) reader.relayTo(to, from);
  else from.pipe(to);
  return reader !== null;
}
