// Hand-built requests to the broker's GraphQL endpoint, for hostile scenarios: any body
// (malformed, huge, chunked), any headers, and R3 signatures made with a chosen key, Date
// and header list through common/r3-signature.ts, so a test can sign exactly what it means
// to and nothing else. Uses node:http because fetch will not send a wrong Content-Length,
// a body without one, or headers it considers invalid.
import { request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { GRAPHQL_PATH } from "../../common/graphql/schema.js";
import { R3_SIGNED_HEADERS, type R3Credentials, signRequest } from "../../common/r3-signature.js";

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
      method: "POST",
      path: GRAPHQL_PATH,
      headers: {
        host: new URL(apiUrl).host,
        "content-type": options.contentType ?? "application/json",
        "content-length": options.contentLength ?? String(Buffer.byteLength(body)),
      },
    },
    options.date ?? new Date(),
    options.headerNames ?? R3_SIGNED_HEADERS,
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
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      url,
      { method: options.method ?? "POST", headers, agent: false },
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
  });
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
  const signed = signFor(apiUrl, keys, body, {
    ...sign,
    ...(options.chunkBytes && sign.contentLength === undefined ? { contentLength: "" } : {}),
  });
  return sendRaw(apiUrl, body, {
    ...options,
    headers: {
      ...(sign.contentType ? { "content-type": sign.contentType } : {}),
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
