// Copy and launch templates: what a connection's Copy puts on the clipboard and what its
// Launch opens or runs, written with [host] [port] [username] [id] tokens so one template
// serves every connection of a service type. Browser-safe: the core resolves them for real
// (and checks what a user typed), the renderer and the CLI resolve them to show the text.
import { EXTERNAL_SCHEMES } from "./desktop-api.js";

export const TOKENS = ["host", "port", "username", "id"] as const;
export type Token = (typeof TOKENS)[number];
export type TokenValues = Partial<Record<Token, string>>;

export interface Templates {
  copy: string;
  /** null: the type has nothing to open or run (a bare TCP port). */
  launch: string | null;
}

/**
 * The defaults by application number (common/service-types.ts). URL launches open in the
 * program the system registered for the scheme; commands run in a terminal window.
 * - RDP's launch is the URI form Microsoft's clients read (full address=s:host:port, the
 *   colons escaped so the whole address stays inside one URL); its copy is what an RDP
 *   client's address box takes.
 * - PostgreSQL and MySQL have no URL a desktop opens, so launch runs the client in a terminal.
 * - TCP has no launch: "host:port" is neither a URL nor a command, and a terminal that runs
 *   it would only print "command not found". The user may set a launch template of their own.
 */
const DEFAULTS: Record<number, Templates> = {
  1: { copy: "[host]:[port]", launch: null },
  4: { copy: "[host]:[port]", launch: "vnc://[host]:[port]" },
  5: { copy: "[host]:[port]", launch: "rdp://full%20address=s%3A[host]%3A[port]" },
  7: { copy: "http://[host]:[port]", launch: "http://[host]:[port]" },
  8: { copy: "https://[host]:[port]", launch: "https://[host]:[port]" },
  28: { copy: "ssh -l [username] [host] -p [port]", launch: "ssh://[username]@[host]:[port]" },
  34: { copy: "smb://[host]:[port]", launch: "smb://[host]:[port]" },
  45: {
    copy: "mysql -h [host] -P [port] -u [username]",
    launch: "mysql -h [host] -P [port] -u [username]",
  },
  46: {
    copy: "psql -h [host] -p [port] -U [username]",
    launch: "psql -h [host] -p [port] -U [username]",
  },
};

/** The service type's own templates; an unknown type is treated as plain TCP. */
export function defaultTemplates(application: number): Templates {
  return DEFAULTS[application] ?? DEFAULTS[1] ?? { copy: "[host]:[port]", launch: null };
}

/** A connection's templates: its own where it set one, else its type's. */
export function templatesOf(spec: {
  application: number;
  copyTemplate: string | null;
  launchTemplate: string | null;
}): Templates {
  const defaults = defaultTemplates(spec.application);
  return {
    copy: spec.copyTemplate ?? defaults.copy,
    launch: spec.launchTemplate ?? defaults.launch,
  };
}

/** `[word]`: a token, known or not. IPv6 literals ([::1]) have no letters-only word, so they are not tokens. */
const TOKEN_PATTERN = /\[([A-Za-z_][A-Za-z0-9_]*)\]/g;

function isToken(name: string): name is Token {
  return (TOKENS as readonly string[]).includes(name);
}

/**
 * A launch template is a URL when it is one word that starts with a scheme ("ssh://…",
 * "mailto:…"); anything else is a command line. Schemes are at least two letters, so a
 * Windows path (C:\…) is a command.
 */
export function isUrlTemplate(template: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]+:\S*$/.test(template.trim());
}

/** Why a template cannot be used (an unknown token, a scheme Reach does not open), or null. */
export function checkTemplate(template: string, kind: "copy" | "launch"): string | null {
  for (const [, name = ""] of template.matchAll(TOKEN_PATTERN)) {
    if (!isToken(name)) {
      return `The ${kind} template has an unknown token [${name}]: use ${TOKENS.map((t) => `[${t}]`).join(" ")}.`;
    }
  }
  if (kind === "launch" && isUrlTemplate(template)) {
    const scheme = `${template.trim().split(":")[0]?.toLowerCase()}:`;
    if (!EXTERNAL_SCHEMES.includes(scheme)) {
      return `The launch template opens a ${scheme} URL, which Reach does not open: use ${EXTERNAL_SCHEMES.join(" ")}, or a command.`;
    }
  }
  return null;
}

export type Resolution = { ok: true; text: string } | { ok: false; missing: Token[] };

/**
 * The template with its tokens filled in, or the tokens that have no value yet (a username
 * not asked for). In a URL an IPv6 host is bracketed, as URLs write one.
 */
export function resolveTemplate(template: string, values: TokenValues): Resolution {
  const missing = missingTokens(template, values);
  return missing.length > 0
    ? { ok: false, missing }
    : { ok: true, text: fillTemplate(template, values) };
}

/** The tokens of a template that values has nothing for, each once, in order. */
export function missingTokens(template: string, values: TokenValues): Token[] {
  const missing: Token[] = [];
  for (const [, name = ""] of template.matchAll(TOKEN_PATTERN)) {
    if (isToken(name) && !values[name] && !missing.includes(name)) missing.push(name);
  }
  return missing;
}

/**
 * Fills the tokens that have values and leaves the others as written ("ssh -l [username]
 * 127.0.0.1 -p 33012"), for showing a template before its username is known.
 */
export function fillTemplate(template: string, values: TokenValues): string {
  const url = isUrlTemplate(template);
  return template.replace(TOKEN_PATTERN, (whole, name: string) => {
    const value = isToken(name) ? values[name] : undefined;
    if (!value) return whole;
    return name === "host" && url && value.includes(":") ? `[${value}]` : value;
  });
}

/**
 * Why a username cannot go into a template, or null. Launch commands run through a shell,
 * so a username is held to the characters accounts are made of: nothing a shell reads
 * (spaces, quotes, ; | & $ ` \ …), and no leading dash, which a program would read as an option.
 */
export function checkUsername(username: string): string | null {
  const shown = username.slice(0, 64);
  if (!/^[A-Za-z0-9._@-]+$/.test(username)) {
    return `The username "${shown}" may hold only letters, digits, dot, dash, underscore and @.`;
  }
  if (username.startsWith("-")) return `The username "${shown}" may not start with a dash.`;
  return null;
}

/**
 * The host a local program uses for a listener bound to `bind`: the address itself, or
 * 127.0.0.1 for a listener on every address (0.0.0.0, ::), which loopback reaches too.
 */
export function localHost(bind: string): string {
  return bind === "0.0.0.0" || bind === "::" ? "127.0.0.1" : bind;
}

/** The token values of a connection that listens on this computer. */
export function localTokenValues(spec: {
  bind: string;
  port: number;
  serviceId: string;
  username: string | null;
}): TokenValues {
  return {
    host: localHost(spec.bind),
    port: String(spec.port),
    id: spec.serviceId,
    username: spec.username ?? undefined,
  };
}

/**
 * Why a token value cannot go into a template, or null. The username is the user's and is
 * held to checkUsername; host, port and id come from the broker or this computer and are
 * still checked, so that no value from anywhere reaches a terminal's shell as syntax.
 */
export function checkTokenValues(values: TokenValues): string | null {
  if (values.username) {
    const refusal = checkUsername(values.username);
    if (refusal) return refusal;
  }
  for (const name of ["host", "port", "id"] as const) {
    const value = values[name];
    if (value && !/^[A-Za-z0-9._:%-]+$/.test(value)) {
      return `The ${name} "${value.slice(0, 64)}" cannot go into a template: it holds characters a shell would read.`;
    }
  }
  return null;
}

/** "127.0.0.1:33012" → host and port; an IPv6 "[::1]:33012" too. */
export function splitAddress(address: string): { host: string; port: string } | null {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  return match?.[1] && match[2] ? { host: match[1], port: match[2] } : null;
}

/**
 * What Copy gives for a connection listening on this computer, for showing it (the CLI,
 * the list): a token without a value yet stays as written, "ssh -l [username] 127.0.0.1 -p 33012".
 */
export function localCopyText(spec: {
  application: number;
  copyTemplate: string | null;
  launchTemplate: string | null;
  bind: string;
  port: number;
  serviceId: string;
  username: string | null;
}): string {
  return fillTemplate(templatesOf(spec).copy, localTokenValues(spec));
}
