// `reach up`: runs the profile's on-demand connections in the foreground — one listener
// each on its bind address (127.0.0.1 unless shared on the LAN), none for one switched
// off — and prints what they do. `reach connection add/set/remove` in another terminal
// edit the store file; `up` notices within about a second and follows it.
import { type Stats, unwatchFile, watchFile } from "node:fs";
import type { Command } from "commander";
import { localCopyText } from "../../common/launch-templates.js";
import { DEFAULT_P2P_WAIT_MS, type OnDemandView } from "../../common/on-demand.js";
import { messageOf } from "../../common/result.js";
import { integer, onShutdown } from "../options.js";
import {
  brokerClientFor,
  onDemandStorePath,
  type StoreFlags,
  titleOf,
  withStoreOptions,
} from "./connection.js";
import { UpStatusWriter, upStatusPath } from "./up-status.js";

interface UpFlags extends StoreFlags {
  p2pBind?: string;
  p2pWait?: number;
  /** commander's --no-p2p-direct */
  p2pDirect: boolean;
}

/** fs.watchFile polls: it sees the store's rename-over writes, which fs.watch can miss. */
const WATCH_INTERVAL_MS = 1_000;
/** At most one report (printed lines, the status file) per this long. */
const REPORT_EVERY_MS = 50;

function label(view: OnDemandView): string {
  return `${view.address} ${titleOf(view)}`;
}

/**
 * The first line of a connection, and again when it starts listening anew: a failed one
 * that now listens, one that moved (port or address), one switched on or off.
 */
function listeningLine(view: OnDemandView): string {
  if (view.status === "failed") return `${label(view)}: not listening: ${view.reason}`;
  if (view.status === "off") return `${label(view)}: off, not listening`;
  const shared = view.restrict === "none" ? "" : `, restrict ${view.restrict}`;
  return `${view.address} → ${titleOf(view)} (${localCopyText(view)}${shared})`;
}

/** Whether a connection listens anew (or stops), which its first line then says again. */
function relistened(before: OnDemandView, now: OnDemandView): boolean {
  if (before.address !== now.address || before.enabled !== now.enabled) return true;
  return before.status === "failed" && now.status === "idle" && !now.path;
}

function stateText(view: OnDemandView): string {
  switch (view.status) {
    case "connecting":
      return "connecting";
    case "connected":
      // "Proxy" is remote.it's word for the broker's relay.
      if (view.path === "p2p") return "connected via P2P";
      return `connected via Proxy${view.reason ? ` (${view.reason})` : ""}`;
    case "idle":
      return view.reason ? `idle (${view.reason})` : "idle";
    case "failed":
      return `failed: ${view.reason ?? "no reason given"}`;
    case "off":
      return "off";
    case "public":
    case "expired":
      return view.status;
  }
}

/** Prints a line whenever a connection appears, goes, or changes status, path or reason. */
class StatusPrinter {
  private readonly shown = new Map<string, { view: OnDemandView; text: string }>();

  update(views: OnDemandView[]): void {
    const ids = new Set(views.map((v) => v.id));
    for (const [id, { view }] of this.shown) {
      if (ids.has(id)) continue;
      this.shown.delete(id);
      print(`${label(view)}: removed, no longer listening`);
    }
    for (const view of views) {
      const text = stateText(view);
      const before = this.shown.get(view.id);
      this.shown.set(view.id, { view, text });
      if (!before || relistened(before.view, view)) {
        print(listeningLine(view));
        continue;
      }
      if (before.text !== text) print(`${label(view)}: ${text}`);
      if (view.restrict !== before.view.restrict) {
        print(`${label(view)}: restrict ${view.restrict} from now on, open sockets included`);
      }
      if (view.latchedIp && view.latchedIp !== before.view.latchedIp) {
        print(`${label(view)}: latched to ${view.latchedIp}; other clients are refused`);
      }
      if (view.refused > before.view.refused) {
        print(
          `${label(view)}: refused a client (restrict ${view.restrict}; ${view.refused} so far)`,
        );
      }
    }
  }
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function registerUpCommand(program: Command): void {
  withStoreOptions(
    program
      .command("up")
      .description("Run the on-demand connections in the foreground until Ctrl-C."),
  )
    .option("--p2p-bind <address>", "gather peer-to-peer candidates on this address only")
    .option(
      "--p2p-wait <ms>",
      `how long P2P may take to open before the relay takes over (default ${DEFAULT_P2P_WAIT_MS})`,
      integer("--p2p-wait", 1),
    )
    .option(
      "--no-p2p-direct",
      "peer to peer over WebRTC only: never the agent's direct TCP path (as across NATs)",
    )
    .action(async (flags: UpFlags) => {
      const path = onDemandStorePath(flags);
      const client = await brokerClientFor(flags);
      const { OnDemandManager } = await import("../../client/on-demand/on-demand-manager.js");
      const { OnDemandStore } = await import("../../client/on-demand/on-demand-store.js");
      const printer = new StatusPrinter();
      let started = false;
      let reporting: NodeJS.Timeout | undefined;
      // For `reach connection list`: each connection's live path, kept next to the store.
      const status = new UpStatusWriter(upStatusPath(path), () => manager.list());
      const manager = new OnDemandManager({
        store: new OnDemandStore(path),
        client: () => client,
        p2pBindAddress: flags.p2pBind,
        p2pWaitMs: flags.p2pWait,
        p2pDirect: flags.p2pDirect,
        onChange: () => {
          if (!started || reporting) return;
          // A change comes with every local socket's accept and close: the views are built
          // once per REPORT_EVERY_MS at most, not for each socket of a burst of connects.
          reporting = setTimeout(() => {
            reporting = undefined;
            printer.update(manager.list());
            status.changed();
          }, REPORT_EVERY_MS);
          reporting.unref();
        },
      });
      try {
        await manager.start(true);
      } catch (error) {
        client.stop();
        await status.stop();
        throw error;
      }
      started = true;
      status.changed();
      print(`Reach is up: following ${path} (Ctrl-C stops).`);
      if (manager.list().length === 0) {
        print("No on-demand connections yet: `reach connection add SERVICE_ID` adds one here.");
      }
      printer.update(manager.list());

      // One reload at a time, in order: a burst of edits ends with the file's last state.
      let reloading = Promise.resolve();
      const onFileChange = (current: Stats, previous: Stats) => {
        if (current.mtimeMs === previous.mtimeMs && current.ino === previous.ino) return;
        reloading = reloading
          .then(() => manager.reload())
          .catch((error: unknown) => {
            // A hand-edited file that does not parse: keep what runs, say why, wait for a fix.
            process.stderr.write(`reach: ${messageOf(error)}\n`);
          });
      };
      watchFile(path, { interval: WATCH_INTERVAL_MS }, onFileChange);

      onShutdown(async () => {
        unwatchFile(path, onFileChange);
        await reloading;
        started = false;
        await manager.stop();
        await status.stop();
        client.stop();
      });
    });
}
