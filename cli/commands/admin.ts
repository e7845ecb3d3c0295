// `reach admin create-user`: adds a user and an API key straight into a broker's store.
// Safe while the broker runs (SQLite WAL, or PostgreSQL with any number of broker nodes);
// the broker reads keys afresh on each request. `reach admin nodes`: the broker nodes
// sharing a store, whether each is live, and what it holds.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { defaultDataDir, parseStoreLocation } from "../../broker/config.js";
import type { NewUserKeys, NodeSummary } from "../../broker/store/store.js";
import {
  DEFAULT_API_URL,
  defaultCredentialsPath,
  writeProfile,
} from "../../common/credentials-file.js";

interface CreateUserFlags {
  dataDir: string;
  store?: string;
  json?: boolean;
  profile?: string;
  apiUrl: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

const STORE_OPTION = [
  "--store <postgres://…|sqlite:DIR>",
  "the broker's store: postgres://USER:PASS@HOST:PORT/DB, or sqlite:DIR (default: SQLite in --data-dir)",
] as const;

export function registerAdminCommand(program: Command): void {
  const admin = program.command("admin").description("Administer a broker's store.");
  admin
    .command("nodes")
    .description(
      "List the broker nodes sharing the store: live or gone, their devices and connections.",
    )
    .option("--data-dir <dir>", "the broker's data directory", defaultDataDir())
    .option(...STORE_OPTION)
    .option("--json", "print the nodes as JSON")
    .action(async (flags: { dataDir: string; store?: string; json?: boolean }) => {
      const { openStore } = await import("../../broker/store/open-store.js");
      const { LIVE_WITHIN_MS } = await import("../../broker/cluster/node-presence.js");
      const store = await openStore(parseStoreLocation(flags.store, flags.dataDir));
      let nodes: NodeSummary[];
      try {
        nodes = await store.nodes.summaries(LIVE_WITHIN_MS);
      } finally {
        await store.close();
      }
      process.stdout.write(flags.json ? `${JSON.stringify(nodes)}\n` : nodesTable(nodes));
    });
  admin
    .command("create-user <email>")
    .description("Create a user (or add a key to an existing one) and print the API key.")
    .option("--data-dir <dir>", "the broker's data directory", defaultDataDir())
    .option(...STORE_OPTION)
    .option("--json", "print only {userId, accessKeyId, secretAccessKey} as JSON")
    .option("--profile <name>", "also save the key as this profile in ~/.reach/credentials")
    .option("--api-url <url>", "R3_API_URL saved with the profile", DEFAULT_API_URL)
    .action(async (email: string, flags: CreateUserFlags) => {
      if (!EMAIL.test(email) || email.length > 254) {
        throw new Error(`"${email}" is not an email address.`);
      }
      const location = parseStoreLocation(flags.store, flags.dataDir);
      const { DATABASE_FILE } = await import("../../broker/store/sqlite/open-database.js");
      const { openStore } = await import("../../broker/store/open-store.js");
      const isNewStore =
        location.kind === "sqlite" && !existsSync(join(location.dataDir, DATABASE_FILE));
      const store = await openStore(location);
      if (isNewStore) {
        // Fine before a broker's first start, but usually a mistyped --data-dir.
        process.stderr.write(
          `Note: created a new, empty store in ${location.dataDir}; start the broker with --data-dir ${location.dataDir} to use this key.\n`,
        );
      }
      let keys: NewUserKeys;
      try {
        keys = await store.users.createUserWithKey(email);
      } finally {
        await store.close();
      }
      if (flags.profile) {
        await writeProfile(flags.profile, {
          accessKeyId: keys.accessKeyId,
          secretAccessKey: keys.secretAccessKey,
          apiUrl: flags.apiUrl,
        });
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(keys)}\n`);
        return;
      }
      process.stdout.write(
        `User ${email} (${keys.userId})\nR3_ACCESS_KEY_ID=${keys.accessKeyId}\nR3_SECRET_ACCESS_KEY=${keys.secretAccessKey}\n` +
          (flags.profile
            ? `Saved as profile "${flags.profile}" in ${defaultCredentialsPath()}\n`
            : ""),
      );
    });
}

/** One line per node, columns aligned; "gone" for a node not heard from within 7 s. */
function nodesTable(nodes: NodeSummary[]): string {
  if (nodes.length === 0) return "No broker node has started on this store yet.\n";
  const rows = [
    ["NODE", "STATE", "URL", "PUBLIC HOST", "DEVICES", "CONNECTIONS", "LAST HEARTBEAT"],
    ...nodes.map((n) => [
      String(n.node),
      n.live ? "live" : "gone",
      n.url,
      n.publicHost,
      String(n.devices),
      String(n.connections),
      n.heartbeat,
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  return rows
    .map(
      (r) =>
        `${r
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join("  ")
          .trimEnd()}\n`,
    )
    .join("");
}
