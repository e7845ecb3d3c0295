// `reach connection add|set|list|remove`: the on-demand connections of a profile, kept in
// ~/.reach/on-demand/<profile>.json (or $REACH_ON_DEMAND_DIR/<profile>.json, or --store).
// These commands only edit that file; `reach up` listens, and follows the file as it
// changes. (The desktop app keeps its own list in its data directory.)
import { homedir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import type { BrokerClient } from "../../client/broker-client.js";
import { localCopyText } from "../../common/launch-templates.js";
import { type OnDemandView, onDemandSpecSchema } from "../../common/on-demand.js";
import { type CredentialFlags, resolveCredentials, withCredentialOptions } from "../credentials.js";
import { type SettingsFlags, settingsOf, withSettingsOptions } from "./connection-flags.js";
import { type LiveState, readUpStatus, upStatusPath } from "./up-status.js";

export interface StoreFlags extends CredentialFlags {
  store?: string;
}

interface EditFlags extends StoreFlags, SettingsFlags {
  json?: boolean;
}

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

/**
 * What `add`, `set` and `list --json` print for one connection: every stored field (parsing
 * strips the live ones, which mean nothing outside `reach up`), its address (bind:port)
 * and launch command.
 */
function described(view: OnDemandView) {
  return {
    ...onDemandSpecSchema.parse(view),
    address: view.address,
    // What to run or open: the copy template resolved ("ssh -l [username] 127.0.0.1 -p 33012").
    launch: localCopyText(view),
  };
}

/** "echo on od-box", or with a name of its own "db (echo on od-box)". */
export function titleOf(view: OnDemandView): string {
  const what = `${view.serviceName} on ${view.deviceName}`;
  return view.name === view.serviceName ? what : `${view.name} (${what})`;
}

/** The RESTRICT column: the rule, and for a latched one whom it latched. */
function restrictText(view: OnDemandView): string {
  if (view.restrict === "latching" && view.latchedIp) return `latched to ${view.latchedIp}`;
  return view.restrict;
}

/** Live state as `list --json` gives it: times as ISO strings; null when up is not running. */
function liveJson(live: LiveState | undefined) {
  if (!live) return null;
  return {
    status: live.status,
    path: live.path,
    since: live.pathSince === null ? null : new Date(live.pathSince).toISOString(),
    lastFailure: live.lastFailure && {
      at: new Date(live.lastFailure.at).toISOString(),
      reason: live.lastFailure.reason,
    },
  };
}

/** A time in the table: the UTC time of day, seconds precision ("21:04:05Z"). */
function clockText(ms: number | null): string {
  return ms === null ? "-" : `${new Date(ms).toISOString().slice(11, 19)}Z`;
}

function failureText(live: LiveState | undefined): string {
  return live?.lastFailure ? `${clockText(live.lastFailure.at)} ${live.lastFailure.reason}` : "-";
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

  withSettingsOptions(
    withStoreOptions(
      connection
        .command("add <serviceId>")
        .description("Add an on-demand connection to a service; `reach up` then listens for it."),
    ),
    "add",
  )
    .option("--disable", "save it switched off: `reach up` does not listen until --enable")
    .option("--json", "print the connection as one JSON object")
    .action(async (serviceId: string, flags: EditFlags) => {
      const settings = settingsOf(flags);
      const client = await brokerClientFor(flags);
      try {
        const manager = await openManager(flags, () => client);
        const view = await manager.add({ serviceId, ...settings });
        const out = described(view);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(out)}\n`);
          return;
        }
        process.stdout.write(
          `Added ${titleOf(view)} at ${out.address} (id ${view.id})\n` +
            `Use it: ${out.launch}\n` +
            (view.enabled
              ? "It listens while `reach up` runs.\n"
              : `It is switched off: \`reach connection set ${view.id} --enable\` switches it on.\n`),
        );
      } finally {
        client.stop();
      }
    });

  withSettingsOptions(
    withStoreOptions(
      connection
        .command("set <id>")
        .description(
          "Change a saved connection; a running `reach up` follows (and listens anew when it moves).",
        ),
    ),
    "set",
  )
    .option("--enable", "switch it on: `reach up` listens for it")
    .option("--disable", "switch it off: `reach up` stops listening for it")
    .option("--json", "print the connection as one JSON object")
    .action(async (id: string, flags: EditFlags) => {
      const settings = settingsOf(flags);
      if (Object.values(settings).every((value) => value === undefined)) {
        throw new Error(
          "Nothing to change: give --name, --route, --port, --bind, --restrict, --idle-timeout, --enable or --disable.",
        );
      }
      const manager = await openManager(flags, () => null);
      const view = await manager.update({ id, ...settings });
      const out = described(view);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(out)}\n`);
        return;
      }
      process.stdout.write(
        `Changed ${titleOf(view)}: ${out.address}, ${view.route}, ` +
          `restrict ${restrictText(view)}, idle timeout ${idleText(view.idleTimeout)}, ${view.enabled ? "enabled" : "disabled"}\n`,
      );
    });

  withStoreOptions(connection.command("list").description("List the on-demand connections."))
    .option("--json", "print a JSON array")
    .action(async (flags: StoreFlags & { json?: boolean }) => {
      const specs = (await openManager(flags, () => null)).list();
      // The live state comes from a running `reach up`, which writes it next to the store.
      const live = await readUpStatus(upStatusPath(onDemandStorePath(flags)));
      if (flags.json) {
        const out = specs.map((s) => ({
          ...described(s),
          live: live ? liveJson(live.get(s.id)) : null,
        }));
        process.stdout.write(`${JSON.stringify(out)}\n`);
        return;
      }
      if (specs.length === 0) {
        process.stdout.write(
          `No on-demand connections in ${onDemandStorePath(flags)}; add one with \`reach connection add SERVICE_ID\`.\n`,
        );
        return;
      }
      const rows = [
        [
          "ID",
          "NAME",
          "DEVICE",
          "ROUTE",
          "ADDRESS",
          "RESTRICT",
          "IDLE TIMEOUT",
          "ENABLED",
          "PATH",
          "SINCE",
          "LAST FAILURE",
        ],
        ...specs.map((s) => [
          s.id,
          s.name,
          s.deviceName,
          s.route,
          s.address,
          restrictText(s),
          idleText(s.idleTimeout),
          s.enabled ? "yes" : "no",
          live?.get(s.id)?.path ?? "-",
          clockText(live?.get(s.id)?.pathSince ?? null),
          failureText(live?.get(s.id)),
        ]),
      ];
      process.stdout.write(`${table(rows)}\n`);
      if (!live) process.stdout.write("reach up is not running: no live path to show.\n");
    });

  withStoreOptions(
    connection.command("remove <id>").description("Remove an on-demand connection by its id."),
  ).action(async (id: string, flags: StoreFlags) => {
    const manager = await openManager(flags, () => null);
    const spec = manager.list().find((s) => s.id === id);
    await manager.remove(id);
    process.stdout.write(`Removed ${spec ? `${titleOf(spec)} at ${spec.address}` : id}\n`);
  });
}
