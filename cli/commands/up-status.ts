// What a running `reach up` is doing, for `reach connection list` in another terminal:
// `up` keeps a small file next to the store (on-demand.json → on-demand.up.json) with each
// connection's live path, since when, and its last failure. It is rewritten whenever one
// of those changes and every few seconds besides, always whole (temp file, then rename); a
// file older than STALE_AFTER_MS is an `up` that died without removing it. `up` reports a
// change on every local socket's accept and close, and most change nothing written here:
// those write nothing, so a burst of connects does not rewrite the file for each one.
import { readFile, rm } from "node:fs/promises";
import { z } from "zod";
import { writeFileAtomically } from "../../common/fs/atomic-write.js";
import type { OnDemandView } from "../../common/on-demand.js";

/** `up` rewrites the file this often even when nothing changed, so readers can trust it. */
const HEARTBEAT_MS = 5_000;
/** Older than this, the file is not a running `up`'s. */
const STALE_AFTER_MS = 15_000;

const liveSchema = z.object({
  id: z.string(),
  status: z.string(),
  /** What new local sockets get now: p2p, relay, or none (not connected). */
  path: z.enum(["p2p", "relay", "none"]),
  pathSince: z.number().nullable(),
  lastFailure: z.object({ at: z.number(), reason: z.string() }).nullable(),
});
export type LiveState = z.infer<typeof liveSchema>;

const fileSchema = z.object({
  pid: z.number().int(),
  writtenAt: z.number(),
  connections: z.array(liveSchema),
});

export function upStatusPath(storePath: string): string {
  return `${storePath.replace(/\.json$/, "")}.up.json`;
}

function liveOf(view: OnDemandView): LiveState {
  return {
    id: view.id,
    status: view.status,
    path: view.status === "connected" && view.path ? view.path : "none",
    pathSince: view.pathSince,
    lastFailure: view.lastFailure,
  };
}

/** Keeps the file current for one `reach up`; stop() removes it. */
export class UpStatusWriter {
  private writing: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** The connections as last written: a change that leaves them alone writes nothing. */
  private written = "";
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly path: string,
    private readonly views: () => OnDemandView[],
  ) {
    this.heartbeat = setInterval(() => this.changed(true), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /**
   * Writes the views soon if they differ from the file's (or always, for the heartbeat that
   * keeps the file fresh); changes that arrive while a write runs are taken by one more write.
   */
  changed(always = false): void {
    if (this.stopped) return;
    if (this.writing) {
      this.again = true;
      return;
    }
    const connections = this.connectionsText();
    if (!always && connections === this.written) return;
    this.writing = this.write(connections).finally(() => {
      this.writing = null;
      if (this.again) {
        this.again = false;
        this.changed();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    await this.writing;
    await rm(this.path, { force: true });
  }

  private connectionsText(): string {
    return JSON.stringify(this.views().map(liveOf));
  }

  private async write(connections: string): Promise<void> {
    this.written = connections;
    const file = `{"pid":${process.pid},"writtenAt":${Date.now()},"connections":${connections}}\n`;
    try {
      await writeFileAtomically(this.path, file, 0o600);
    } catch {
      // A full or read-only disk: `connection list` then says up is not running, which is
      // the worst that follows; up itself carries on.
    }
  }
}

/** The live state by connection id, or null when no `reach up` is keeping the file fresh. */
export async function readUpStatus(path: string): Promise<Map<string, LiveState> | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return null;
  }
  let parsed: z.infer<typeof fileSchema>;
  try {
    parsed = fileSchema.parse(JSON.parse(text));
  } catch {
    return null;
  }
  if (Date.now() - parsed.writtenAt > STALE_AFTER_MS) return null;
  return new Map(parsed.connections.map((live) => [live.id, live]));
}
