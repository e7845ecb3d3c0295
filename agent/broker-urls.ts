// The brokers an agent may attach to, and which of a broker's `dial`s it follows. Pure, so
// that the rules are tested on their own: a list of http(s) URLs tried in turn, and a dial
// only to a broker of the same scheme as the one the agent is attached to, so that an
// https cluster's bytes never leave TLS because one message said so.

/** Why `value` cannot be a broker's URL, or null when it can. */
export function brokerUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL like http://HOST:PORT/graphql/v1.`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `"${value}" is ${url.protocol.slice(0, -1)}, not http or https.`;
  }
  return null;
}

/** The brokers, parsed, in the order they are tried; an error names the first bad one. */
export function parseBrokerUrls(values: readonly string[]): URL[] {
  if (values.length === 0) throw new Error("The agent needs at least one broker URL.");
  for (const value of values) {
    const problem = brokerUrlProblem(value);
    if (problem) throw new Error(`The broker URL ${problem}`);
  }
  return values.map((value) => new URL(value));
}

/**
 * Why the agent attached to `attached` ignores a dial to `target`, or null when it follows
 * it. Only the scheme is checked: which nodes belong to the cluster is the broker's to say,
 * and the data connection presents the one-use token the broker gave.
 */
export function dialRefusal(target: string, attached: URL): string | null {
  const problem = brokerUrlProblem(target);
  if (problem) return `the dial's URL ${problem}`;
  const scheme = new URL(target).protocol;
  if (scheme !== attached.protocol) {
    return `the dial's URL "${target}" is ${scheme.slice(0, -1)} but this broker is ${attached.protocol.slice(0, -1)}: a cluster's data connections keep its broker's scheme.`;
  }
  return null;
}
