// How remote.it's own clients sign a GraphQL request, one function per client family,
// written from their public descriptions (docs/remoteit reference, section 2.1), and a raw
// HTTP sender that puts exactly those headers on the wire. Used by client-families.test.ts.
import { request as httpRequest } from "node:http";
import {
  contentDigest,
  type SignatureInput,
  signMessage,
} from "../../common/http-message-signature.js";
import {
  bodyDigest,
  hmacSignature,
  type R3Credentials,
  signingString,
} from "../../common/r3-signature.js";

/** The docs' query (bash DATA, 2 spaces after email as there). */
export const DOCS_QUERY =
  "{ login { email  devices (size: 1000, from: 0) { items { id name services { id name} } } } }";

export interface SignedPost {
  url: URL;
  headers: Record<string, string>;
  body: string;
}

export interface Reply {
  status: number;
  body: {
    data?: unknown;
    errors?: { message: string; extensions?: { code?: string; reason?: string } }[];
  };
}

/** Sends the request with these headers and no others (Host included), as captured. */
export function sendRaw(post: SignedPost): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: post.url.hostname,
        port: post.url.port,
        method: "POST",
        path: post.url.pathname + post.url.search,
        headers: { host: post.url.host, ...post.headers },
        setHost: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Reply["body"],
          }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(post.body);
  });
}

/**
 * A cavage-signed POST: `signed` holds the header values the signing string covers (host
 * among them, as the client signs it); all but host are sent as they are, beside `extra`.
 */
function cavagePost(
  keys: R3Credentials,
  url: URL,
  body: string,
  signed: Record<string, string>,
  extra: Record<string, string> = {},
): SignedPost {
  const names = ["(request-target)", ...Object.keys(signed)];
  const text = signingString(
    { method: "POST", path: url.pathname + url.search, headers: signed },
    names,
  );
  const { host: _signedHost, ...sent } = signed;
  const authorization =
    `Signature keyId="${keys.accessKeyId}",algorithm="hmac-sha256",` +
    `headers="${names.join(" ")}",signature="${hmacSignature(keys.secretAccessKey, text)}"`;
  return { url, body, headers: { ...sent, ...extra, authorization } };
}

/** `date -u "+%a, %d %b %Y %H:%M:%S %Z"` in the C locale: "… UTC". */
function bashDate(now: Date): string {
  return now.toUTCString().replace(/GMT$/, "UTC");
}

/**
 * Docs bash/cURL: 5 headers; the host is a literal the user edits (the name, no port);
 * the date says UTC; content-length is `${#DATA}`, the character count.
 */
export function docsBash(keys: R3Credentials, url: URL, now = new Date()): SignedPost {
  const body = `{ "query": "${DOCS_QUERY}" }`;
  return cavagePost(keys, url, body, {
    host: url.hostname,
    date: bashDate(now),
    "content-type": "application/json",
    "content-length": String(body.length),
  });
}

/**
 * Postman collection: 4 headers (no content-length), url.getHost() (no port), toGMTString.
 * `signedHost` lets a test sign another host the same way.
 */
export function postman(
  keys: R3Credentials,
  url: URL,
  body: string,
  now = new Date(),
  signedHost = url.hostname,
): SignedPost {
  return cavagePost(keys, url, body, {
    host: signedHost,
    date: now.toUTCString(),
    "content-type": "application/json",
  });
}

/** Insomnia plugin v1.0 (http-signature): 5 headers, the URL's hostname, byte length. */
export function insomniaV10(
  keys: R3Credentials,
  url: URL,
  body: string,
  now = new Date(),
): SignedPost {
  return cavagePost(keys, url, body, {
    host: url.hostname,
    date: now.toUTCString(),
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
  });
}

/** requests-http-signature 0.1.x (the old docs' Python): 5 headers + digest, hostname. */
export function pythonV01(
  keys: R3Credentials,
  url: URL,
  body: string,
  now = new Date(),
): SignedPost {
  const signed = {
    host: url.hostname,
    date: now.toUTCString(),
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    digest: bodyDigest(body),
  };
  // The old docs also sent a `path` header, unsigned; a broker must ignore it.
  return cavagePost(keys, url, body, signed, { path: url.pathname });
}

function messageRequest(url: URL, headers: Record<string, string>) {
  return {
    method: "POST",
    scheme: url.protocol === "https:" ? ("https" as const) : ("http" as const),
    authority: url.host,
    target: url.pathname + url.search,
    headers,
  };
}

/**
 * Insomnia plugin v1.1.x (http-message-signatures): label "remoteit", @method @authority
 * @target-uri date, keyid/alg/created/expires (created + 300), and an empty Authorization.
 */
export function insomniaV11(
  keys: R3Credentials,
  url: URL,
  body: string,
  now = new Date(),
  expiresIn = 300,
): SignedPost {
  const created = Math.floor(now.getTime() / 1000);
  const headers = { date: now.toUTCString(), "content-type": "application/json" };
  const input: SignatureInput = {
    label: "remoteit",
    components: ["@method", "@authority", "@target-uri", "date"],
    params: [
      ["keyid", keys.accessKeyId],
      ["alg", "hmac-sha256"],
      ["created", created],
      ["expires", created + expiresIn],
    ],
  };
  const signature = signMessage(keys.secretAccessKey, input, messageRequest(url, headers));
  return { url, body, headers: { ...headers, ...signature, authorization: "" } };
}

/**
 * The docs' Python example with requests-http-signature 0.7: its own label, @method
 * @authority @target-uri content-digest date, `created` and keyid/alg, Content-Digest.
 */
export function pythonV07(
  keys: R3Credentials,
  url: URL,
  body: string,
  now = new Date(),
  components = ["@method", "@authority", "@target-uri", "content-digest", "date"],
): SignedPost {
  const headers = {
    date: now.toUTCString(),
    "content-type": "application/json",
    "content-digest": contentDigest(body),
  };
  const input: SignatureInput = {
    label: "pyhms",
    components,
    params: [
      ["created", Math.floor(now.getTime() / 1000)],
      ["keyid", keys.accessKeyId],
      ["alg", "hmac-sha256"],
    ],
  };
  const signature = signMessage(keys.secretAccessKey, input, messageRequest(url, headers));
  return { url, body, headers: { ...headers, ...signature } };
}
