// `reach agent`: registers this machine's services and carries their connections.
import { readFile } from "node:fs/promises";
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { brokerUrlProblem } from "../../agent/broker-urls.js";
import { parseServiceFlag } from "../../agent/service-flag.js";
import { deviceTagSchema } from "../../common/tunnel/protocol.js";
import { type CredentialFlags, resolveCredentials, withCredentialOptions } from "../credentials.js";
import { collect, onShutdown } from "../options.js";

interface AgentFlags extends CredentialFlags {
  name: string;
  dataDir: string;
  service: string[];
  tag: string[];
  ca?: string;
  /** commander's --no-p2p sets this false. */
  p2p: boolean;
  /** commander's --no-p2p-direct sets this false. */
  p2pDirect: boolean;
  p2pBind?: string;
}

/** --api's help for the agent, which alone takes a list: the nodes of a broker cluster. */
const API_HELP =
  "the broker's GraphQL URL, or several, comma-separated (the nodes of a cluster): when one is down the agent tries the next (default: the profile's R3_API_URL)";

export function registerAgentCommand(program: Command): void {
  const command = withCredentialOptions(
    program
      .command("agent")
      .description("Run an agent: register this device's services and carry their connections."),
  );
  // The shared --api option, worded for the list only this command takes.
  const api = command.options.find((option) => option.long === "--api");
  if (api) api.description = API_HELP;
  command
    .option("--name <device>", "device name", hostname())
    .option(
      "--data-dir <dir>",
      "where the agent keeps its identity",
      join(homedir(), ".reach", "agent"),
    )
    .option(
      "--service <spec>",
      "NAME=TYPE:PORT[@HOST], repeatable (e.g. web=http:8080)",
      collect,
      [],
    )
    .option(
      "--tag <name>",
      "a tag of this device (remote.it's tags { name }), repeatable",
      collect,
      [],
    )
    .option("--ca <file>", "trust this CA certificate for the broker's TLS")
    .option("--no-p2p", "refuse peer-to-peer sessions: on-demand connections use the relay")
    .option("--p2p-bind <address>", "gather peer-to-peer candidates on this address only")
    .option(
      "--no-p2p-direct",
      "offer no direct path (a TLS-PSK TCP port beside WebRTC, for clients that can reach this machine)",
    )
    .action(async (flags: AgentFlags) => {
      const services = flags.service.map(parseServiceFlag);
      const names = new Set(services.map((s) => s.name));
      if (names.size !== services.length) throw new Error("Each --service needs a distinct name.");
      const tags = flags.tag.map(parseTag);
      const { credentials, apiUrl } = await resolveCredentials(flags);
      const apiUrls = parseApiList(apiUrl);
      const { startAgent } = await import("../../agent/agent.js");
      const agent = await startAgent({
        apiUrls,
        credentials,
        name: flags.name,
        dataDir: flags.dataDir,
        services,
        tags,
        ca: flags.ca ? await readFile(flags.ca) : undefined,
        p2p: flags.p2p,
        p2pBindAddress: flags.p2pBind,
        p2pDirect: flags.p2pDirect,
      });
      onShutdown(() => agent.stop());
      const welcome = await agent.ready;
      for (const service of welcome.services) {
        process.stdout.write(`service ${service.name} ${service.id}\n`);
      }
    });
}

/** --api's comma-separated broker URLs, or an error naming the first that is not http(s). */
export function parseApiList(list: string): string[] {
  const urls = list.split(",").map((url) => url.trim());
  for (const url of urls) {
    if (url === "") throw new Error(`--api "${list}": an empty URL between commas.`);
    const problem = brokerUrlProblem(url);
    if (problem) throw new Error(`--api: the broker URL ${problem}`);
  }
  return urls;
}

/** A --tag as the hello will carry it, or an error naming the flag and the rule. */
export function parseTag(tag: string): string {
  const parsed = deviceTagSchema.safeParse(tag);
  if (parsed.success) return parsed.data;
  throw new Error(`--tag ${JSON.stringify(tag)}: ${parsed.error.issues[0]?.message ?? "invalid"}.`);
}
