// Hand-built requests to the broker's GraphQL endpoint, for hostile scenarios: any body
// (malformed, huge, chunked), any headers, and R3 signatures made with a chosen key, Date
// and header list through common/r3-signature.ts, so a test can sign exactly what it means
// to and nothing else. Uses node:http because fetch will not send a wrong Content-Length,
// a body without one, or headers it considers invalid.
import { once } from "node:events";
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { connect, type Socket } from "node:net";
import { GRAPHQL_PATH } from "../../common/graphql/schema.js";
import {
  R3_NONCE_HEADER,
  R3_SIGNED_HEADERS,
  type R3Credentials,
  requestNonce,
  signRequest,
} from "../../common/r3-signature.js";

export interface RawReply {
  status: number;
  text: string;
  /** The first error's code and message, when the body is a GraphQL error payload. */
  code?: string;
  message?: string;
  data?: unknown;
  errorCount: number;
  ms: number;
}

export interface SignOptions {
  /** The Date to sign and send (default: now). */
  date?: Date;
  /** The header list to sign (default R3_SIGNED_HEADERS). */
  headerNames?: string[];
  /** Content-Length to sign; default the body's byte length ("" for a chunked body). */
  contentLength?: string;
  contentType?: string;
  /** What to sign in place of the real request line and Host (to sign the wrong one). */
  method?: string;
  path?: string;
  host?: string;
  /** A Digest header value to sign (list "digest" in headerNames) and send. */
  digest?: string;
  /** A nonce to sign and send as Reach's clients do (x-reach-nonce), so identical requests differ. */
  nonce?: string;
}

/** Date and Authorization for `body` to /graphql/v1 as `keys`, signed the way `options` say. */
export function signFor(
  apiUrl: string,
  keys: R3Credentials,
  body: string | Buffer,
  options: SignOptions = {},
): { date: string; authorization: string } {
  return signRequest(
    keys,
    {
      method: options.method ?? "POST",
      path: options.path ?? GRAPHQL_PATH,
      headers: {
        host: options.host ?? new URL(apiUrl).host,
        "content-type": options.contentType ?? "application/json",
        "content-length": options.contentLength ?? String(Buffer.byteLength(body)),
        ...(options.digest === undefined ? {} : { digest: options.digest }),
        ...(options.nonce === undefined ? {} : { [R3_NONCE_HEADER]: options.nonce }),
      },
    },
    options.date ?? new Date(),
    [
      ...(options.headerNames ?? R3_SIGNED_HEADERS),
      ...(options.nonce === undefined ? [] : [R3_NONCE_HEADER]),
    ],
  );
}

export interface SendOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  /** Send the body with Transfer-Encoding: chunked, in pieces of this many bytes. */
  chunkBytes?: number;
}

/** Sends `body` exactly as given and reads whatever the broker answers. */
export function sendRaw(
  apiUrl: string,
  body: string | Buffer,
  options: SendOptions = {},
): Promise<RawReply> {
  const url = new URL(GRAPHQL_PATH, apiUrl);
  const payload = typeof body === "string" ? Buffer.from(body) : body;
  const headers: OutgoingHttpHeaders = {
    "content-type": "application/json",
    ...(options.chunkBytes ? {} : { "content-length": payload.length }),
    ...options.headers,
  };
  // Keep-alive, as browsers, curl and fetch send: with "Connection: close" Node's server
  // closes the moment its answer is out, and a client still uploading may get EPIPE
  // before it reads the answer. One agent per request: every case gets a fresh socket.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const started = process.hrtime.bigint();
  return new Promise<RawReply>((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      url,
      { method: options.method ?? "POST", headers, agent },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("error", reject);
        response.on("end", () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          resolve(parseReply(response.statusCode ?? 0, Buffer.concat(chunks).toString(), ms));
          req.destroy();
        });
      },
    );
    // A broker that answers 413 and closes mid-upload is right to: keep its answer.
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    if (options.chunkBytes) {
      writeChunks(req, payload, options.chunkBytes);
    } else {
      req.end(payload);
    }
  }).finally(() => agent.destroy());
}

function writeChunks(req: import("node:http").ClientRequest, payload: Buffer, size: number) {
  let offset = 0;
  const next = () => {
    while (offset < payload.length && !req.destroyed) {
      const piece = payload.subarray(offset, offset + size);
      offset += size;
      if (!req.write(piece)) {
        req.once("drain", next);
        return;
      }
    }
    if (!req.destroyed) req.end();
  };
  next();
}

function parseReply(status: number, text: string, ms: number): RawReply {
  const reply: RawReply = { status, text, errorCount: 0, ms };
  try {
    const json = JSON.parse(text) as {
      data?: unknown;
      errors?: { message?: string; extensions?: { code?: string } }[];
    };
    reply.data = json.data;
    reply.errorCount = json.errors?.length ?? 0;
    const first = json.errors?.[0];
    if (first?.extensions?.code) reply.code = first.extensions.code;
    if (first?.message !== undefined) reply.message = first.message;
  } catch {
    // Not JSON: the status and text say what happened.
  }
  return reply;
}

/** A signed POST of `body` as `keys`. */
export function sendSigned(
  apiUrl: string,
  keys: R3Credentials,
  body: string | Buffer,
  sign: SignOptions = {},
  options: SendOptions = {},
): Promise<RawReply> {
  // Signed like Reach's own clients (a fresh nonce each), unless the attempt names its own
  // header list: the broker accepts each signature once, and a probe may repeat a request.
  const nonce = sign.headerNames ? sign.nonce : (sign.nonce ?? requestNonce());
  const signed = signFor(apiUrl, keys, body, {
    ...sign,
    nonce,
    ...(options.chunkBytes && sign.contentLength === undefined ? { contentLength: "" } : {}),
  });
  return sendRaw(apiUrl, body, {
    ...options,
    headers: {
      ...(sign.contentType ? { "content-type": sign.contentType } : {}),
      ...(sign.digest === undefined ? {} : { digest: sign.digest }),
      ...(nonce === undefined ? {} : { [R3_NONCE_HEADER]: nonce }),
      date: signed.date,
      authorization: signed.authorization,
      ...options.headers,
    },
  });
}

/** A GraphQL request body. */
export function gql(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify(variables ? { query, variables } : { query });
}

export interface EndlessUpload {
  /** The status line the broker answered with, if any. */
  statusLine: string;
  /** Bytes written before the broker closed the connection (or the caps were hit). */
  bytes: number;
  /** True when the broker closed the connection; false when the caps ran out first. */
  cut: boolean;
}

/**
 * Streams a body that never ends (chunked, or as long as a huge Content-Length in
 * `headers` says), until the broker closes the connection or `maxBytes`/`maxMs` run out:
 * how much will it read of an upload it has already refused? Raw TCP, because an HTTP
 * client stops writing once it has a response.
 */
export async function endlessUpload(
  apiUrl: string,
  headers: Record<string, string>,
  maxBytes: number,
  maxMs: number,
): Promise<EndlessUpload> {
  const url = new URL(apiUrl);
  const socket = connect(Number(url.port), url.hostname);
  await once(socket, "connect");
  let reply = "";
  let closed = false;
  socket.on("data", (d: Buffer) => {
    reply += d.toString("latin1");
  });
  socket.on("close", () => {
    closed = true;
  });
  socket.on("error", () => {});
  const chunked = !Object.keys(headers).some((name) => name.toLowerCase() === "content-length");
  const framing = chunked ? { "transfer-encoding": "chunked" } : {};
  const head = Object.entries({ host: url.host, ...framing, ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  socket.write(`POST ${GRAPHQL_PATH} HTTP/1.1\r\n${head}\r\n`);
  const piece = Buffer.alloc(64 * 1024, 0x20);
  const frame = chunked
    ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")])
    : piece;
  const started = Date.now();
  let bytes = 0;
  while (!closed && bytes < maxBytes && Date.now() - started < maxMs) {
    if (!socket.write(frame)) await drainOrClose(socket, maxMs);
    bytes += frame.length;
  }
  // A close may be on its way when the caps run out: give it a moment.
  if (!closed) await drainOrClose(socket, 200, ["close"]);
  const cut = closed;
  socket.destroy();
  return { statusLine: reply.split("\r\n")[0] ?? "", bytes, cut };
}

/** Resolves on the first of `events` or after `ms`, leaving no listener or timer behind. */
function drainOrClose(socket: Socket, ms: number, events = ["drain", "close"]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const event of events) socket.off(event, done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const event of events) socket.once(event, done);
  });
}
