// "This computer": the desktop app runs the agent role itself, so services of the machine
// it runs on can be reached without installing anything else. The chosen services are
// kept in the data directory; the agent runs under the signed-in account.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { type RunningAgent, startAgent } from "../../agent/agent.js";
import type { LocalServiceView } from "../../common/desktop-api.js";
import { serviceTypeByName } from "../../common/service-types.js";
import { type ServiceSpec, serviceSpecSchema } from "../../common/tunnel/protocol.js";
import type { StoredCredentials } from "./vault/credential-vault.js";

export class ThisComputer {
  private services: ServiceSpec[] = [];
  private agent: RunningAgent | null = null;
  private credentials: StoredCredentials | null = null;

  constructor(private readonly dataDir: string) {}

  get file(): string {
    return join(this.dataDir, "this-computer.json");
  }

  list(): LocalServiceView[] {
    return this.services.map((s) => ({
      name: s.name,
      application: s.application,
      port: s.port,
      host: s.host,
    }));
  }

  async load(): Promise<void> {
    try {
      const parsed = serviceSpecSchema
        .array()
        .safeParse(JSON.parse(await readFile(this.file, "utf8")));
      this.services = parsed.success ? parsed.data : [];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }

  /** Runs (or re-runs) the agent for the signed-in account; null stops it. */
  async attach(credentials: StoredCredentials | null): Promise<void> {
    this.credentials = credentials;
    await this.restart();
  }

  async add(input: { name: string; type: string; port: number }): Promise<void> {
    const type = serviceTypeByName(input.type);
    if (!type) throw new Error(`Unknown service type "${input.type}".`);
    if (this.services.some((s) => s.name === input.name))
      throw new Error(`A service named "${input.name}" already exists.`);
    const spec = serviceSpecSchema.parse({
      name: input.name,
      application: type.application,
      port: input.port,
      host: "127.0.0.1",
    });
    this.services = [...this.services, spec];
    await this.save();
    await this.restart();
  }

  async remove(name: string): Promise<void> {
    this.services = this.services.filter((s) => s.name !== name);
    await this.save();
    await this.restart();
  }

  async stop(): Promise<void> {
    await this.agent?.stop();
    this.agent = null;
  }

  private async restart(): Promise<void> {
    await this.stop();
    if (!this.credentials || this.services.length === 0) return;
    this.agent = await startAgent({
      apiUrl: this.credentials.apiUrl,
      credentials: this.credentials,
      name: hostname(),
      dataDir: join(this.dataDir, "agent"),
      services: this.services,
      log: () => {},
    });
    // Wait for the first registration so the device shows up at the next sync, but not
    // forever: an unreachable broker is retried by the agent in the background.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.agent.ready,
      new Promise((resolve) => (timer = setTimeout(resolve, 5000))),
    ]);
    clearTimeout(timer);
  }

  private async save(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(this.services, null, 2));
    await rename(temporary, this.file);
  }
}
