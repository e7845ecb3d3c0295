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

const DIGITS = /^\d{1,15}$/;
/** "close" among the comma-separated Connection tokens (gathered as ",a,b"). */
const CLOSE_TOKEN = /,\s*close\s*(?=,|$)/;
const INVALID = 0;
const TEXT = 1;
const TOKEN = 2;
/**
 * Each latin1 character's class: TOKEN (RFC 9110 tchar), TEXT (what Node's ServerResponse
 * accepts in a header value or reason phrase), else INVALID (it would throw). The head is
 * checked with this table in one pass: per-line regular expressions made this the
 * broker's hottest function per proxied request.
 */
const CHARS = new Uint8Array(256);
for (let c = 0x20; c <= 0xff; c++) if (c !== 0x7f) CHARS[c] = TEXT;
CHARS[0x09] = TEXT;
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  CHARS[c.charCodeAt(0)] = TOKEN;
}

const malformed = () => new BadResponseError("The service sent a malformed header line.");

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
  // The head ends at its first blank line: `last` is where its final CRLF CRLF starts.
  const last = head.length - 4;
  const firstEnd = head.indexOf("\r\n");
  const code = statusCode(head, firstEnd);
  if (code < 100) throw new BadResponseError("The service's status line is not HTTP/1.x.");
  const http10 = head.charCodeAt(7) === 0x30;
  const headers: string[] = [];
  let contentLength: string | null = null;
  let transferEncoding: string | null = null;
  let connection = "";
  let keepAlive = "";
  for (let from = firstEnd + 2; from < last; ) {
    // No name, whitespace before the colon, obs-fold, a bare CR or LF: each lets two
    // parsers disagree on the head, so none is passed on.
    let colon = from;
    while (CHARS[head.charCodeAt(colon)] === TOKEN) colon++;
    if (colon === from || head.charCodeAt(colon) !== 0x3a) throw malformed();
    let end = colon + 1;
    for (let c = head.charCodeAt(end); c !== 0x0d; c = head.charCodeAt(++end)) {
      if (CHARS[c] === INVALID) throw malformed();
    }
    if (head.charCodeAt(end + 1) !== 0x0a) throw malformed();
    const name = head.slice(from, colon);
    const value = head.slice(colon + 1, end).trim();
    from = end + 2;
    // A switch rather than HOP_BY_HOP.has(): hashing each fresh name cost more.
    switch (name.toLowerCase()) {
      case "content-length":
        if (!DIGITS.test(value) || (contentLength !== null && contentLength !== value)) {
          throw new BadResponseError("The service sent an invalid Content-Length.");
        }
        contentLength = value;
        headers.push(name, value);
        break;
      case "transfer-encoding":
        transferEncoding = transferEncoding === null ? value : `${transferEncoding}, ${value}`;
        break;
      case "connection":
        connection += `,${value.toLowerCase()}`;
        break;
      case "keep-alive":
        keepAlive = value.toLowerCase();
        break;
      case "proxy-connection":
      case "proxy-authenticate":
      case "proxy-authorization":
      case "te":
      case "trailer":
      case "upgrade":
        break;
      default:
        headers.push(name, value);
    }
  }
  if (transferEncoding !== null && contentLength !== null) {
    throw new BadResponseError("The service sent both Content-Length and Transfer-Encoding.");
  }
  const closes = connection !== "" && CLOSE_TOKEN.test(connection);
  const hinted = keepAlive === "" ? null : /(?:^|[,\s])timeout=(\d+)/.exec(keepAlive);
  const framing = framingOf(code, method, contentLength, transferEncoding);
  return {
    status: code,
    statusText: firstEnd > 12 ? head.slice(13, firstEnd) : "",
    headers,
    framing,
    reusable: !http10 && !closes && framing.kind !== "close",
    keepAliveMs: hinted ? Number(hinted[1]) * 1000 : null,
  };
}

/**
 * The code of a status line `HTTP/1.x DDD[ reason]` ending at `end`, its reason phrase
 * only TEXT; -1 for any other line.
 */
function statusCode(head: string, end: number): number {
  if (!head.startsWith("HTTP/1.", 0) || (end !== 12 && head.charCodeAt(12) !== 0x20)) return -1;
  const minor = head.charCodeAt(7);
  if ((minor !== 0x30 && minor !== 0x31) || head.charCodeAt(8) !== 0x20 || end < 12) return -1;
  let code = 0;
  for (let i = 9; i < 12; i++) {
    const digit = head.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    code = code * 10 + digit;
  }
  for (let i = 13; i < end; i++) if (CHARS[head.charCodeAt(i)] === INVALID) return -1;
  return code;
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
