// The broker's store in one SQLite file (<data-dir>/reach.sqlite): the default, for a
// broker that runs alone. better-sqlite3 is synchronous, so every answer is ready when
// the call returns; the store's promises only make it interchangeable with one that is not.
import type { BrokerStore } from "../store.js";
import { SqliteAcmeStore } from "./acme.js";
import { SqliteConnectionStore } from "./connections.js";
import { SqliteDeviceStore } from "./devices.js";
import { SqliteLinkStore } from "./links.js";
import { SqliteNodeStore } from "./nodes.js";
import { openDatabase } from "./open-database.js";
import { SqliteUserStore } from "./users.js";

export function openSqliteStore(dataDir: string): BrokerStore {
  const db = openDatabase(dataDir);
  return {
    users: new SqliteUserStore(db),
    devices: new SqliteDeviceStore(db),
    connections: new SqliteConnectionStore(db),
    links: new SqliteLinkStore(db),
    nodes: new SqliteNodeStore(db),
    acme: new SqliteAcmeStore(db),
    close: async () => {
      db.close();
    },
  };
}
