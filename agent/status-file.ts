// The agent's status file (agent-status.json in its data dir): written by the running agent
// on each connect and disconnect, read by `reach agent status`. One module for both ends, so
// the file's shape is written down once.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomically } from "../common/fs/atomic-write.js";

export const AGENT_STATUS_FILE = "agent-status.json";

const agentStatusSchema = z.object({
  pid: z.number().int().positive(),
  /** The broker URL, as given, attached to now or being tried. */
  brokerUrl: z.string(),
  connected: z.boolean(),
  /** Since when the agent has been connected (or, when not, disconnected). ISO 8601. */
  since: z.string(),
  /** The device id of the latest welcome; kept across disconnects, so "registered" survives them. */
  deviceId: z.string().optional(),
});

export type AgentStatus = z.infer<typeof agentStatusSchema>;

/**
 * Serialises the agent's writes: two renames in flight could land the older one last. A
 * failed write is reported once and does not stop the agent (the tunnel matters more).
 */
export function agentStatusWriter(
  dataDir: string,
  log: (message: string) => void,
): (status: Omit<AgentStatus, "pid">) => Promise<void> {
  let chain = Promise.resolve();
  let reported = false;
  const path = join(dataDir, AGENT_STATUS_FILE);
  return (status) => {
    const contents = `${JSON.stringify({ pid: process.pid, ...status }, null, 2)}\n`;
    chain = chain
      // A data dir removed under a running agent is not made again just for this file.
      .then(() => (existsSync(dataDir) ? writeFileAtomically(path, contents, 0o644) : undefined))
      .catch((error: Error) => {
        if (!reported) log(`agent: cannot write ${path}: ${error.message}`);
        reported = true;
      });
    return chain;
  };
}

/** The status file, or null when there is none; an unreadable one is an error naming it. */
export async function readAgentStatus(dataDir: string): Promise<AgentStatus | null> {
  const path = join(dataDir, AGENT_STATUS_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON; the agent rewrites it when it next connects.`);
  }
  const parsed = agentStatusSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${path} is not an agent status file.`);
  return parsed.data;
}
