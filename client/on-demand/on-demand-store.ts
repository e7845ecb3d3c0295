import { readFile } from "node:fs/promises";
import { z } from "zod";
import { writeFileAtomically } from "../../common/fs/atomic-write.js";
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
    const text = `${JSON.stringify({ version: 2, connections }, null, 2)}\n`;
    await writeFileAtomically(this.path, text, 0o600);
  }
}

function fromVersionOne(old: z.infer<typeof versionOneSpec>): OnDemandSpec {
  const { p2p, failover, ...kept } = old;
  // Both off had no path at all; such a connection only ever failed. Adaptive is what
  // it would have been without the mistake, and the user can still pick another route.
  const route: Route = p2p && !failover ? "p2p" : !p2p && failover ? "proxy" : "adaptive";
  return { ...SPEC_DEFAULTS, ...kept, name: old.serviceName || old.serviceId, route };
}
