// One request and its response over a kept-alive connection to the service: the visitor's
// request head (already rewritten) is written in one piece and its body streamed after it;
// the service's response head is parsed (response-head.ts) and its body relayed to the
// visitor as it arrives (from the connection's reused read buffer, service-connection.ts),
// with backpressure both ways. The connection goes back to the pool only when both
// messages were read to their ends and the service keeps it alive.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { type BodyReader, type BodySink, bodyReader } from "./body-reader.js";
import {
  BadResponseError,
  headEnd,
  MAX_RESPONSE_HEAD,
  parseResponseHead,
  type ResponseHead,
} from "./response-head.js";
import type { ServiceConnection } from "./service-connection.js";
import type { TunnelHttpPool } from "./tunnel-http-pool.js";

export type RequestBody = "none" | "length" | "chunked";

const CRLF = "\r\n";
const LAST_CHUNK = "0\r\n\r\n";

/** Sends `head` (then the body) to the service and the service's answer to the visitor. */
export function forwardExchange(
  pool: TunnelHttpPool,
  request: IncomingMessage,
  response: ServerResponse,
  head: string,
  body: RequestBody,
): void {
  let visitorGone = false;
  let settle: ((reuse: boolean) => void) | null = null;
  response.on("close", () => {
    if (response.writableFinished) return;
    visitorGone = true;
    settle?.(false);
  });
  pool.acquire().then(
    (connection) => {
      if (visitorGone) {
        // Clean and unused: it may serve the next visitor.
        pool.release(connection, null);
        return;
      }
      settle = exchange(pool, request, response, connection, head, body);
    },
    () => badGateway(response),
  );
}

function badGateway(response: ServerResponse): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response
    .writeHead(502, { "content-type": "text/plain", "content-length": 12 })
    .end("Bad gateway\n");
}

/** Runs the exchange on `service`; returns what ends it early (the visitor leaving). */
function exchange(
  pool: TunnelHttpPool,
  request: IncomingMessage,
  response: ServerResponse,
  connection: ServiceConnection,
  head: string,
  body: RequestBody,
): (reuse: boolean) => void {
  const service = connection.socket;
  let requestSent = body === "none";
  let settled = false;
  let pending: Buffer | null = null;
  let parsed: ResponseHead | null = null;
  let reader: BodyReader | null = null;

  const settle = (reuse: boolean) => {
    if (settled) return;
    settled = true;
    connection.onBytes(null);
    service.off("end", onEnd);
    service.off("close", onClose);
    service.off("drain", onServiceDrain);
    request.off("data", onRequestData);
    request.off("end", onRequestEnd);
    // A body the service did not wait for is read and dropped, so the visitor's
    // connection can carry its next request.
    if (!requestSent) request.resume();
    if (reuse && requestSent && parsed?.reusable) pool.release(connection, parsed.keepAliveMs);
    else pool.discard(connection);
  };
  const fail = () => {
    settle(false);
    badGateway(response);
  };

  const sink: BodySink = {
    data(chunk) {
      connection.relayChunk(response, chunk);
    },
    end(rest) {
      response.end();
      settle(rest.length === 0);
    },
  };

  const onHead = (buffered: Buffer): void => {
    let bytes = buffered;
    for (;;) {
      const end = headEnd(bytes);
      if (end === -1) {
        if (bytes.length > MAX_RESPONSE_HEAD) fail();
        // A view into the connection's read buffer is only valid until the next read.
        else pending = connection.reused ? Buffer.from(bytes) : bytes;
        return;
      }
      const next = parseResponseHead(bytes.toString("latin1", 0, end), request.method ?? "GET");
      bytes = bytes.subarray(end);
      // 1xx interim answers (100 Continue, 103 Early Hints) are not passed on; a 101 to a
      // request that asked for no upgrade is not HTTP any more.
      if (next.status === 101) throw new BadResponseError("The service switched protocols.");
      if (next.status >= 200) {
        parsed = next;
        break;
      }
      if (bytes.length === 0) return;
    }
    const framing = parsed.framing;
    response.writeHead(parsed.status, parsed.statusText, parsed.headers);
    // The usual small answer arrives whole: head and body go out in one write.
    if (framing.kind === "none" || (framing.kind === "length" && bytes.length >= framing.length)) {
      const length = framing.kind === "length" ? framing.length : 0;
      if (length > 0) connection.relayChunk(response, bytes.subarray(0, length), true);
      else response.end();
      settle(bytes.length === length);
      return;
    }
    reader = bodyReader(framing, sink);
    if (bytes.length > 0) reader.push(bytes);
  };

  const onData = (chunk: Buffer) => {
    try {
      if (reader) {
        reader.push(chunk);
        return;
      }
      const buffered = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = null;
      onHead(buffered);
    } catch {
      // BadResponseError, or anything else a service's bytes could provoke (Node refusing
      // a header, say): the visitor gets 502 and the broker goes on.
      fail();
    }
  };
  const onEnd = () => {
    // A body read to the close ends here; anything else was cut short.
    if (parsed?.framing.kind === "close" && reader) {
      response.end();
      settle(false);
    } else if (!settled) {
      fail();
    }
  };
  const onClose = () => {
    if (!settled) fail();
  };
  const onServiceDrain = () => request.resume();
  const onRequestData = (chunk: Buffer) => {
    const ok = body === "chunked" ? writeChunk(service, chunk) : service.write(chunk);
    if (!ok) request.pause();
  };
  const onRequestEnd = () => {
    if (body === "chunked") service.write(LAST_CHUNK);
    requestSent = true;
  };

  connection.onBytes(onData);
  service.on("end", onEnd);
  service.on("close", onClose);
  // Node's parser read the visitor's header bytes as latin1: so they go out byte for byte.
  service.write(head, "latin1");
  if (body !== "none") {
    service.on("drain", onServiceDrain);
    request.on("data", onRequestData);
    request.on("end", onRequestEnd);
  }
  return settle;
}

function writeChunk(service: Socket, chunk: Buffer): boolean {
  if (chunk.length === 0) return true;
  service.cork();
  service.write(`${chunk.length.toString(16)}${CRLF}`);
  service.write(chunk);
  const ok = service.write(CRLF);
  process.nextTick(() => service.uncork());
  return ok;
}
