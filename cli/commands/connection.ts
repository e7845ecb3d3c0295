// `reach connection add|list|remove`: the on-demand connections of a profile, kept in
// ~/.reach/on-demand/<profile>.json (or $REACH_ON_DEMAND_DIR/<profile>.json, or --store).
// These commands only edit that file; `reach up` listens, and follows the file as it
// changes. (The desktop app keeps its own list in its data directory.)
import { homedir } from "node:os";
import { join } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import type { BrokerClient } from "../../client/broker-client.js";
import { localCopyText } from "../../common/launch-templates.js";
import {
  DEFAULT_IDLE_TIMEOUT_S,
  type OnDemandSpec,
  onDemandSpecSchema,
} from "../../common/on-demand.js";
import { type CredentialFlags, resolveCredentials, withCredentialOptions } from "../credentials.js";
import { integer } from "../options.js";

export interface StoreFlags extends CredentialFlags {
  store?: string;
}

interface AddFlags extends StoreFlags {
  port?: number;
  /** commander's --no-p2p and --no-failover set these false. */
  p2p: boolean;
  failover: boolean;
  idleTimeout?: number;
  json?: boolean;
}

/** The schema's bound on idle timeouts (a week), checked here so the flag is named. */
const MAX_IDLE_TIMEOUT_S = 7 * 86400;

/**
 * Where a profile's on-demand connections live. Like REACH_CREDENTIALS for the
 * credentials file, REACH_ON_DEMAND_DIR moves the directory (tests, several setups).
 * With --key/--secret there is no profile name, so the key id names the file: each key
 * (account) keeps its own list.
 */
export function onDemandStorePath(flags: StoreFlags): string {
  if (flags.store) return flags.store;
  const dir = process.env.REACH_ON_DEMAND_DIR ?? join(homedir(), ".reach", "on-demand");
  const name = flags.key ? `key-${flags.key}` : (flags.profile ?? "default");
  // A profile name is free text in the INI file; keep it from naming another directory.
  return join(dir, `${name.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);
}

/** --api/--key/--secret/--profile and --store, shared by `connection` and `up`. */
export function withStoreOptions(command: Command): Command {
  return withCredentialOptions(command).option(
    "--store <file>",
    "the connection list (default: ~/.reach/on-demand/<profile>.json)",
  );
}

/** A broker client for the flags' account; the caller stops it. */
export async function brokerClientFor(flags: CredentialFlags): Promise<BrokerClient> {
  const { credentials, apiUrl } = await resolveCredentials(flags);
  const { BrokerClient } = await import("../../client/broker-client.js");
  return new BrokerClient({ apiUrl, ...credentials });
}

function port(value: string): number {
  const n = integer("--port", 1)(value);
  if (n > 65535) throw new InvalidArgumentError("--port takes a TCP port, 1-65535.");
  return n;
}

function idleTimeout(value: string): number {
  const n = integer("--idle-timeout")(value);
  if (n > MAX_IDLE_TIMEOUT_S) {
    throw new InvalidArgumentError(`--idle-timeout is at most ${MAX_IDLE_TIMEOUT_S} (a week).`);
  }
  return n;
}

/**
 * What `add` and `list --json` print for one connection: the stored spec (parsing strips
 * the live fields, which mean nothing outside `reach up`), its address and launch command.
 */
function described(spec: OnDemandSpec) {
  return {
    ...onDemandSpecSchema.parse(spec),
    address: `127.0.0.1:${spec.port}`,
    // What to run or open: the copy template resolved ("ssh -l [username] 127.0.0.1 -p 33012").
    launch: localCopyText(spec),
  };
}

function idleText(seconds: number): string {
  return seconds === 0 ? "never" : `${seconds}s`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function openManager(flags: StoreFlags, client: () => BrokerClient | null) {
  const { OnDemandManager } = await import("../../client/on-demand/on-demand-manager.js");
  const { OnDemandStore } = await import("../../client/on-demand/on-demand-store.js");
  const manager = new OnDemandManager({
    store: new OnDemandStore(onDemandStorePath(flags)),
    client,
  });
  // Not listening: `reach up` owns the listeners, even when it runs in another process.
  await manager.start(false);
  return manager;
}

export function registerConnectionCommand(program: Command): void {
  const connection = program
    .command("connection")
    .description("Manage on-demand connections: local ports that reach a service when used.");

  withStoreOptions(
    connection
      .command("add <serviceId>")
      .description("Add an on-demand connection to a service; `reach up` then listens for it."),
  )
    .option("--port <port>", "local port on 127.0.0.1 (default: a free one in 33000-42999)", port)
    .option("--no-p2p", "never try peer to peer: always go through the broker's relay")
    .option("--no-failover", "never fall back to the broker's relay when P2P does not open")
    .option(
      "--idle-timeout <seconds>",
      `let the path go after this long unused (0 = never; default ${DEFAULT_IDLE_TIMEOUT_S})`,
      idleTimeout,
    )
    .option("--json", "print the connection as one JSON object")
    .action(async (serviceId: string, flags: AddFlags) => {
      if (!flags.p2p && !flags.failover) {
        throw new Error("--no-p2p with --no-failover leaves no path: keep one of them.");
      }
      const client = await brokerClientFor(flags);
      try {
        const manager = await openManager(flags, () => client);
        const view = await manager.add({
          serviceId,
          port: flags.port,
          p2p: flags.p2p,
          failover: flags.failover,
          idleTimeout: flags.idleTimeout,
        });
        const out = described(view);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(out)}\n`);
          return;
        }
        process.stdout.write(
          `Added ${view.serviceName} on ${view.deviceName} at ${out.address} (id ${view.id})\n` +
            `Use it: ${out.launch}\n` +
            "It listens while `reach up` runs.\n",
        );
      } finally {
        client.stop();
      }
    });

  withStoreOptions(connection.command("list").description("List the on-demand connections."))
    .option("--json", "print a JSON array")
    .action(async (flags: StoreFlags & { json?: boolean }) => {
      const specs = (await openManager(flags, () => null)).list();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(specs.map(described))}\n`);
        return;
      }
      if (specs.length === 0) {
        process.stdout.write(
          `No on-demand connections in ${onDemandStorePath(flags)}; add one with \`reach connection add SERVICE_ID\`.\n`,
        );
        return;
      }
      const rows = [
        ["ID", "SERVICE", "DEVICE", "ADDRESS", "ROUTE", "IDLE TIMEOUT"],
        ...specs.map((s) => [
          s.id,
          s.serviceName,
          s.deviceName,
          `127.0.0.1:${s.port}`,
          s.route,
          idleText(s.idleTimeout),
        ]),
      ];
      process.stdout.write(`${table(rows)}\n`);
    });

  withStoreOptions(
    connection.command("remove <id>").description("Remove an on-demand connection by its id."),
  ).action(async (id: string, flags: StoreFlags) => {
    const manager = await openManager(flags, () => null);
    const spec = manager.list().find((s) => s.id === id);
    await manager.remove(id);
    process.stdout.write(
      `Removed ${spec ? `${spec.serviceName} on ${spec.deviceName} at 127.0.0.1:${spec.port}` : id}\n`,
    );
  });
}
