// A PostgreSQL URL as messages and logs may show it: user@host:port/db, never the password.
// Apart from the pg modules, so that a broker on SQLite can name its store without them.

/** user@host:port/db, for messages: never the password. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : "";
    return `${user}${parsed.host}${parsed.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}
