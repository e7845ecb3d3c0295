// `reach agent status`: is this machine's agent registered, running, connected — since when
// and to which broker. Read from the agent's data dir: its identity (hardware-id) and the
// status file the running agent rewrites on each connect and disconnect.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { readAgentStatus } from "../../agent/status-file.js";
import { serviceDataDir } from "../service/definition.js";

export interface AgentStatusReport {
  dataDir: string;
  /** The broker has welcomed this agent at least once: it has a device id. */
  registered: boolean;
  deviceId: string | null;
  /** The process that last wrote the status file is still alive. */
  running: boolean;
  pid: number | null;
  connected: boolean;
  brokerUrl: string | null;
  /** Since when connected (or, when running but not connected, disconnected). */
  since: string | null;
}

/** Whether a process is alive; EPERM means it is, but another user's (the service's own). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function agentStatus(dataDir: string): Promise<AgentStatusReport> {
  const status = await readAgentStatus(dataDir);
  const identity = existsSync(join(dataDir, "hardware-id"));
  const running = status !== null && alive(status.pid);
  return {
    dataDir,
    registered: identity && !!status?.deviceId,
    deviceId: (identity && status?.deviceId) || null,
    running,
    pid: running ? (status?.pid ?? null) : null,
    connected: running && !!status?.connected,
    brokerUrl: status?.brokerUrl ?? null,
    since: running ? (status?.since ?? null) : null,
  };
}

export function describeAgentStatus(report: AgentStatusReport): string {
  const lines = [
    report.registered
      ? `registered: yes, as device ${report.deviceId}`
      : "registered: no (this agent has not been welcomed by a broker yet)",
  ];
  if (!report.running) {
    lines.push(`running: no${report.brokerUrl ? ` (it last used ${report.brokerUrl})` : ""}`);
  } else if (report.connected) {
    lines.push(`running: yes, pid ${report.pid}`);
    lines.push(`connected: yes, to ${report.brokerUrl} since ${report.since}`);
  } else {
    lines.push(`running: yes, pid ${report.pid}`);
    lines.push(`connected: no, since ${report.since}; retrying ${report.brokerUrl}`);
  }
  lines.push(`data dir: ${report.dataDir}`);
  return `${lines.join("\n")}\n`;
}

/** The agent's own default, else the installed service's dir when only that one exists. */
function defaultStatusDir(): string {
  const own = join(homedir(), ".reach", "agent");
  const service = serviceDataDir(
    process.platform === "win32" ? "win32" : process.platform === "darwin" ? "darwin" : "linux",
    "agent",
  );
  return !existsSync(own) && existsSync(service) ? service : own;
}

export function registerAgentStatusCommand(agent: Command): void {
  agent
    .command("status")
    .description(
      "Say whether this machine's agent is registered and connected, since when, and to which broker.",
    )
    .option(
      "--data-dir <dir>",
      "the agent's data dir (default: ~/.reach/agent, else the service's)",
    )
    .option("--json", "print the status as JSON")
    .action(async (flags: { dataDir?: string; json?: boolean }) => {
      const report = await agentStatus(flags.dataDir ?? defaultStatusDir());
      process.stdout.write(
        flags.json ? `${JSON.stringify(report, null, 2)}\n` : describeAgentStatus(report),
      );
    });
}
