// HTTP Message Signatures (RFC 9421) with HMAC-SHA256, the scheme remote.it's newer clients
// use (the Insomnia plugin since v1.1, the docs' Python example with requests-http-signature
// 0.7): `Signature-Input` names the covered components and parameters, `Signature` carries
// the MAC. The broker parses and rebuilds the signature base here; tests sign with it as
// those clients do. Only what HMAC clients send is supported: plain header names and the
// request-derived components, no component parameters (`;sf`, `;key`, `;req`).
import { createHash, createHmac } from "node:crypto";

export type SignatureParamValue = string | number | boolean;

/** One labelled entry of Signature-Input: the components in order, then the parameters. */
export interface SignatureInput {
  label: string;
  components: string[];
  params: [name: string, value: SignatureParamValue][];
}

/** The request, as far as the derived components need it. `authority` is `host[:port]`. */
export interface MessageRequest {
  method: string;
  scheme: "http" | "https";
  authority: string;
  /** Path plus query, as on the request line. */
  target: string;
  headers: Record<string, string | undefined>;
}

const KEY = /^[a-z*][a-z0-9_\-.*]*/;
const INTEGER = /^-?[0-9]{1,15}/;

/** A tiny RFC 8941 reader: just the dictionary-of-inner-lists Signature-Input uses. */
class FieldReader {
  constructor(
    private text: string,
    private at = 0,
  ) {}
  done(): boolean {
    return this.at >= this.text.length;
  }
  peek(): string {
    return this.text[this.at] ?? "";
  }
  skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.at++;
  }
  expect(char: string): void {
    if (this.peek() !== char) throw new Error(`expected "${char}"`);
    this.at++;
  }
  match(pattern: RegExp): string {
    const found = pattern.exec(this.text.slice(this.at));
    if (!found) throw new Error("unexpected character");
    this.at += found[0].length;
    return found[0];
  }
  string(): string {
    this.expect('"');
    let value = "";
    for (;;) {
      const char = this.text[this.at++];
      if (char === undefined) throw new Error("unterminated string");
      if (char === '"') return value;
      if (char === "\\") {
        const next = this.text[this.at++];
        if (next !== '"' && next !== "\\") throw new Error("bad escape");
        value += next;
      } else value += char;
    }
  }
  bareItem(): SignatureParamValue {
    const char = this.peek();
    if (char === '"') return this.string();
    if (char === "?") {
      this.at++;
      return this.match(/^[01]/) === "1";
    }
    if (char === "-" || (char >= "0" && char <= "9")) return Number(this.match(INTEGER));
    // RFC 9421's parameters are strings and integers; a token could not be re-serialized
    // as sent (it would come back quoted), so it is refused rather than mis-verified.
    throw new Error("token parameter values are not supported");
  }
  params(): [string, SignatureParamValue][] {
    const params: [string, SignatureParamValue][] = [];
    while (this.peek() === ";") {
      this.at++;
      this.skipSpaces();
      const name = this.match(KEY);
      let value: SignatureParamValue = true;
      if (this.peek() === "=") {
        this.at++;
        value = this.bareItem();
      }
      if (params.some(([seen]) => seen === name)) throw new Error(`parameter ${name} repeated`);
      params.push([name, value]);
    }
    return params;
  }
  /** Members `key=<value>` separated by commas; `value` reads one member's value. */
  dictionary<T>(value: (reader: FieldReader) => T): Map<string, T> {
    const members = new Map<string, T>();
    this.skipSpaces();
    while (!this.done()) {
      const key = this.match(KEY);
      this.expect("=");
      members.set(key, value(this));
      this.skipSpaces();
      if (this.done()) break;
      this.expect(",");
      this.skipSpaces();
      if (this.done()) throw new Error("trailing comma");
    }
    return members;
  }
}

/** Every entry of a Signature-Input header; null when it is not a valid one. */
export function parseSignatureInput(value: string | undefined): SignatureInput[] | null {
  if (!value || value.length > 4096) return null;
  try {
    const entries = new FieldReader(value.trim()).dictionary((reader) => {
      reader.expect("(");
      const components: string[] = [];
      reader.skipSpaces();
      while (reader.peek() !== ")") {
        components.push(reader.string());
        // Component parameters (`"@query-param";name="x"`) are not supported: refuse.
        if (reader.peek() === ";") throw new Error("component parameters are not supported");
        if (reader.peek() !== ")") reader.expect(" ");
        reader.skipSpaces();
      }
      reader.expect(")");
      return { components, params: reader.params() };
    });
    return [...entries].map(([label, entry]) => ({ label, ...entry }));
  } catch {
    return null;
  }
}

/** Every `label=:base64:` member of a Signature header; null when it is not a valid one. */
export function parseSignatureField(value: string | undefined): Map<string, string> | null {
  if (!value || value.length > 4096) return null;
  try {
    return new FieldReader(value.trim()).dictionary((reader) => {
      reader.expect(":");
      const bytes = reader.match(/^[A-Za-z0-9+/=]*/);
      reader.expect(":");
      reader.params();
      return bytes;
    });
  } catch {
    return null;
  }
}

/** One parameter as RFC 8941 serializes it: `;name` (true), `;name=?0`, `;name=1`, `;name="s"`. */
function serializeParam([name, value]: [string, SignatureParamValue]): string {
  if (value === true) return `;${name}`;
  if (value === false) return `;${name}=?0`;
  if (typeof value === "number") return `;${name}=${value}`;
  return `;${name}="${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** The `@signature-params` value: the inner list as RFC 8941 serializes it. */
export function serializeSignatureParams(input: Omit<SignatureInput, "label">): string {
  const list = `(${input.components.map((name) => `"${name}"`).join(" ")})`;
  return list + input.params.map(serializeParam).join("");
}

/** A component's value, or undefined when the request has none (the signature fails). */
function componentValue(name: string, request: MessageRequest): string | undefined {
  const queryAt = request.target.indexOf("?");
  const path = queryAt < 0 ? request.target : request.target.slice(0, queryAt);
  const query = queryAt < 0 ? "?" : request.target.slice(queryAt);
  switch (name) {
    case "@method":
      return request.method.toUpperCase();
    case "@authority":
      return request.authority.toLowerCase();
    case "@scheme":
      return request.scheme;
    case "@target-uri":
      return `${request.scheme}://${request.authority.toLowerCase()}${request.target}`;
    case "@request-target":
      return request.target;
    case "@path":
      return path;
    case "@query":
      return query;
    default:
      if (name.startsWith("@")) return undefined;
      // Several values of one header are joined as RFC 9421 §2.1 says; outer spaces trimmed.
      return request.headers[name.toLowerCase()]?.trim();
  }
}

/** The signature base (RFC 9421 §2.5); null when a covered component is absent. */
export function signatureBase(
  input: Omit<SignatureInput, "label">,
  request: MessageRequest,
): string | null {
  const lines: string[] = [];
  for (const name of input.components) {
    const value = componentValue(name, request);
    if (value === undefined) return null;
    lines.push(`"${name}": ${value}`);
  }
  lines.push(`"@signature-params": ${serializeSignatureParams(input)}`);
  return lines.join("\n");
}

export function hmacBase64(secretAccessKey: string, text: string): string {
  return createHmac("sha256", Buffer.from(secretAccessKey, "base64")).update(text).digest("base64");
}

/** The Content-Digest header value (RFC 9530) of a body: `sha-256=:<base64>:`. */
export function contentDigest(body: string | Buffer): string {
  return `sha-256=:${createHash("sha256").update(body).digest("base64")}:`;
}

/** The sha-256 digest a Content-Digest header names (base64), or null when it names none. */
export function contentDigestSha256(value: string): string | null {
  for (const member of value.split(",")) {
    const match = /^\s*sha-256\s*=\s*:([A-Za-z0-9+/=]+):\s*$/i.exec(member);
    if (match?.[1]) return match[1];
  }
  return null;
}

/** Signs `request` as an RFC 9421 client would: the Signature-Input and Signature headers. */
export function signMessage(
  secretAccessKey: string,
  input: SignatureInput,
  request: MessageRequest,
): { "signature-input": string; signature: string } {
  const base = signatureBase(input, request);
  if (base === null) throw new Error("The request lacks a component the signature covers.");
  return {
    "signature-input": `${input.label}=${serializeSignatureParams(input)}`,
    signature: `${input.label}=:${hmacBase64(secretAccessKey, base)}:`,
  };
}
