// The on-demand connections of one account, kept in a JSON file so their ports survive
// restarts. Writes go to a temporary file that is then renamed over the old one: a crash
// leaves the old list or the new one, never half of either. A file that does not parse
// is reported and left as it is.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { type OnDemandSpec, onDemandSpecSchema } from "../../common/on-demand.js";

const fileSchema = z.object({ version: z.literal(1), connections: z.array(onDemandSpecSchema) });

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
    return result.data.connections;
  }

  async save(connections: OnDemandSpec[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ version: 1, connections }, null, 2)}\n`, {
      mode: 0o600,
    });
    await rename(temporary, this.path);
  }
}
