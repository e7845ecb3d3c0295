// The on-demand connections of one account, kept in a JSON file so their ports survive
// restarts. Writes go to a temporary file that is then renamed over the old one: a crash
// leaves the old list or the new one, never half of either. A file that does not parse
// is reported and left as it is.
//
// Version 1 (before routes and LAN sharing) kept p2p/failover switches and nothing else;
// it is read as version 2 with the defaults those connections had (127.0.0.1, anyone on
// it, the service's name), and the next save writes version 2.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import {
  type OnDemandSpec,
  onDemandSpecSchema,
  type Route,
  SPEC_DEFAULTS,
} from "../../common/on-demand.js";

const versionOneSpec = onDemandSpecSchema
  .pick({
    id: true,
    serviceId: true,
    serviceName: true,
    deviceName: true,
    application: true,
    port: true,
    idleTimeout: true,
  })
  .extend({ p2p: z.boolean(), failover: z.boolean() });

const fileSchema = z.discriminatedUnion("version", [
  z.object({ version: z.literal(1), connections: z.array(versionOneSpec) }),
  z.object({ version: z.literal(2), connections: z.array(onDemandSpecSchema) }),
]);

export class OnDemandStore {
  constructor(readonly path: string) {}

  async load(): Promise<OnDemandSpec[]> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`${this.path} is not valid JSON; fix or remove it.`);
    }
    const result = fileSchema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new Error(
        `${this.path} is not an on-demand connection list (${issue?.path.join(".") || "top"}: ${issue?.message}); fix or remove it.`,
      );
    }
    const file = result.data;
    return file.version === 2 ? file.connections : file.connections.map(fromVersionOne);
  }

  async save(connections: OnDemandSpec[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    // Unique per write: two saves in flight must not share (and tear) one temporary file.
    const temporary = `${this.path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ version: 2, connections }, null, 2)}\n`, {
      mode: 0o600,
    });
    await rename(temporary, this.path);
  }
}

function fromVersionOne(old: z.infer<typeof versionOneSpec>): OnDemandSpec {
  const { p2p, failover, ...kept } = old;
  // Both off had no path at all; such a connection only ever failed. Adaptive is what
  // it would have been without the mistake, and the user can still pick another route.
  const route: Route = p2p && !failover ? "p2p" : !p2p && failover ? "proxy" : "adaptive";
  return { ...SPEC_DEFAULTS, ...kept, name: old.serviceName || old.serviceId, route };
}
