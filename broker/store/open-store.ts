// Opens the store a broker (or `reach admin`) was pointed at; callers get the one
// BrokerStore interface whichever database is behind it. PostgreSQL's module and pg are
// loaded only when asked for, so a broker on SQLite starts as it always has.
import type { StoreLocation } from "../config.js";
import { describePostgresUrl } from "./postgres/describe-url.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";
import type { BrokerStore } from "./store.js";

export async function openStore(location: StoreLocation): Promise<BrokerStore> {
  if (location.kind === "sqlite") return openSqliteStore(location.dataDir);
  const { openPostgresStore } = await import("./postgres/open-store.js");
  return openPostgresStore(location.url);
}

/** The store's place for logs and messages, never a password. */
export function describeStore(location: StoreLocation): string {
  if (location.kind === "sqlite") return location.dataDir;
  return `postgres://${describePostgresUrl(location.url)}`;
}
