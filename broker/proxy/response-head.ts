// A service's HTTP/1.1 response head, read by the reverse proxy itself: the status, the
// headers to pass on, how the body is framed and whether the connection may carry the next
// request. Only heads are parsed here; bodies are relayed as they come (body-reader.ts).
// Hand-written rather than undici's client: undici's per-request bookkeeping (request
// objects, header validation, its WebAssembly parser calling back into JavaScript for every
// header) was most of the broker's JavaScript per proxied request (docs/benchmarks.md).
// Anything ambiguous about the framing (the shapes that let responses be smuggled) is
// refused: the visitor gets 502 and the connection to the service is dropped.

/** The longest response head the broker reads before giving up on the service. */
export const MAX_RESPONSE_HEAD = 64 * 1024;

/** Headers that describe one hop and must not be forwarded (RFC 9110 §7.6.1). */
export const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

export type BodyFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  /** Read until the service closes (HTTP/1.0 style); the connection is not reused. */
  | { kind: "close" };

export interface ResponseHead {
  status: number;
  statusText: string;
  /** Name, value, name, value …, hop-by-hop headers left out. */
  headers: string[];
  framing: BodyFraming;
  /** Whether the connection may carry another request once this response is read. */
  reusable: boolean;
  /** The service's Keep-Alive timeout hint in ms, or null when it gave none. */
  keepAliveMs: number | null;
}

export class BadResponseError extends Error {}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;
const DIGITS = /^\d{1,15}$/;
/** What Node's ServerResponse refuses in a header value or reason phrase (it would throw). */
const INVALID_TEXT = /[^\t\x20-\x7e\x80-\xff]/;

/** Where the head ends (the index after its blank line), or -1 while it is incomplete. */
export function headEnd(buffer: Buffer): number {
  const at = buffer.indexOf("\r\n\r\n", 0, "latin1");
  return at === -1 ? -1 : at + 4;
}

/**
 * Parses `head` (the bytes up to and including the blank line) of the response to a
 * request with `method`. Throws BadResponseError for a head a proxy must not pass on.
 */
export function parseResponseHead(head: string, method: string): ResponseHead {
  const lines = head.slice(0, -4).split("\r\n");
  const status = STATUS_LINE.exec(lines[0] ?? "");
  if (!status) throw new BadResponseError("The service's status line is not HTTP/1.x.");
  const code = Number(status[2]);
  if (code < 100 || INVALID_TEXT.test(status[3] ?? "")) {
    throw new BadResponseError("The service's status line is not HTTP/1.x.");
  }
  const http10 = status[1] === "0";
  const headers: string[] = [];
  let contentLength: string | null = null;
  let transferEncoding: string | null = null;
  let connection = "";
  let keepAlive = "";
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    // No name, whitespace before the colon, obs-fold, a bare CR or LF: each lets two
    // parsers disagree on the head, so none is passed on.
    if (!TOKEN.test(name) || INVALID_TEXT.test(line)) {
      throw new BadResponseError("The service sent a malformed header line.");
    }
    const value = line.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    if (lower === "content-length") {
      if (!DIGITS.test(value) || (contentLength !== null && contentLength !== value)) {
        throw new BadResponseError("The service sent an invalid Content-Length.");
      }
      contentLength = value;
    } else if (lower === "transfer-encoding") {
      transferEncoding = transferEncoding === null ? value : `${transferEncoding}, ${value}`;
    } else if (lower === "connection") {
      connection += `,${value.toLowerCase()}`;
    } else if (lower === "keep-alive") {
      keepAlive = value.toLowerCase();
    }
    if (!HOP_BY_HOP.has(lower)) headers.push(name, value);
  }
  if (transferEncoding !== null && contentLength !== null) {
    throw new BadResponseError("The service sent both Content-Length and Transfer-Encoding.");
  }
  const closes = connection.split(",").some((token) => token.trim() === "close");
  const hinted = /(?:^|[,\s])timeout=(\d+)/.exec(keepAlive);
  const framing = framingOf(code, method, contentLength, transferEncoding);
  return {
    status: code,
    statusText: status[3] ?? "",
    headers,
    framing,
    reusable: !http10 && !closes && framing.kind !== "close",
    keepAliveMs: hinted ? Number(hinted[1]) * 1000 : null,
  };
}

function framingOf(
  code: number,
  method: string,
  contentLength: string | null,
  transferEncoding: string | null,
): BodyFraming {
  if (method === "HEAD" || code < 200 || code === 204 || code === 304) return { kind: "none" };
  if (transferEncoding !== null) {
    const codings = transferEncoding.toLowerCase().split(",");
    // RFC 9112 §6.3: chunked last means chunked; any other final coding reads to the close.
    return codings[codings.length - 1]?.trim() === "chunked"
      ? { kind: "chunked" }
      : { kind: "close" };
  }
  if (contentLength !== null) return { kind: "length", length: Number(contentLength) };
  return { kind: "close" };
}
