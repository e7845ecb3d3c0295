// `reach broker init`: writes a config file for a broker on a public server — every setting
// of the table with its description, the ones a public server needs set, the rest as
// commented defaults — and says which DNS records to add and which ports to open.
import { access } from "node:fs/promises";
import { networkInterfaces } from "node:os";
import { resolve, sep } from "node:path";
import type { Command } from "commander";
import ipaddr from "ipaddr.js";
import { parseConfigText } from "../../broker/config-file.js";
import {
  BROKER_SETTINGS,
  type BrokerSetting,
  SETTING_GROUPS,
  settingKey,
  settingName,
} from "../../broker/settings.js";
import { writeFileAtomically } from "../../common/fs/atomic-write.js";
import { tomlLiteral } from "./broker-settings-text.js";

export const DEFAULT_CONFIG_PATH = "/etc/reach/broker.toml";
// The directory `reach broker install` gives the service (systemd StateDirectory=reach-broker).
const SYSTEM_DATA_DIR = "/var/lib/reach-broker";

/** A public IPv4 address on one of this machine's interfaces (a VPS usually has one). */
function publicIpv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family !== "IPv4" || address.internal) continue;
      if (ipaddr.parse(address.address).range() === "unicast") return address.address;
    }
  }
  return undefined;
}

/** The values init sets, by setting name, in the flag's spelling. */
export function publicServerValues(options: {
  domain: string;
  email: string;
  path: string;
  publicIp?: string;
}): Record<string, string> {
  const values: Record<string, string> = {
    listen: "0.0.0.0:443",
    domain: options.domain,
    publicHost: options.domain,
    proxyBind: "0.0.0.0",
    dnsListen: "0.0.0.0:53",
    httpListen: "0.0.0.0:80",
    acmeEmail: options.email,
    acmeChallenge: "dns-01",
  };
  if (options.publicIp) values.publicIp = options.publicIp;
  if (resolve(options.path).startsWith(`${sep}etc${sep}`)) values.dataDir = SYSTEM_DATA_DIR;
  return values;
}

function settingLines(setting: BrokerSetting, values: Record<string, string>): string[] {
  const { key } = settingKey(setting);
  const value = values[settingName(setting)];
  const comment = `# ${setting.description} (${setting.flag})`;
  if (value !== undefined) return [comment, `${key} = ${tomlLiteral(setting, value)}`];
  return [
    comment,
    setting.default === undefined
      ? `# ${key} =`
      : `# ${key} = ${tomlLiteral(setting, setting.default)}`,
  ];
}

export function brokerConfigText(values: Record<string, string>): string {
  const lines = [
    "# Reach broker settings, written by `reach broker init`.",
    "# Run: reach broker --config THIS_FILE; flags given on the command line win over it.",
    "# Check: reach broker --config THIS_FILE --print-config",
    "",
  ];
  for (const setting of BROKER_SETTINGS.filter((s) => !settingKey(s).group)) {
    lines.push(...settingLines(setting, values), "");
  }
  for (const group of SETTING_GROUPS) {
    lines.push(`[${group}]`);
    for (const setting of BROKER_SETTINGS.filter((s) => settingKey(s).group === group)) {
      lines.push(...settingLines(setting, values));
    }
    lines.push("");
  }
  return lines.join("\n");
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export function registerBrokerInitCommand(broker: Command): void {
  broker
    .command("init")
    .description("Write a config file for a broker on a public server, and print the DNS records")
    .requiredOption("--domain <domain>", "the broker's zone, e.g. reach.example.com")
    .requiredOption("--email <email>", "contact address for the ACME (Let's Encrypt) account")
    .option("--config <path>", "where to write the file", DEFAULT_CONFIG_PATH)
    .option("--force", "overwrite the file if it exists")
    .action(async (flags: { domain: string; email: string; config: string; force?: boolean }) => {
      const domain = flags.domain.toLowerCase().replace(/\.$/, "");
      const publicIp = publicIpv4();
      const text = brokerConfigText(
        publicServerValues({ domain, email: flags.email, path: flags.config, publicIp }),
      );
      // The same checks as a broker starting on it: a bad --domain or --email writes nothing.
      parseConfigText(text, flags.config);
      if (!flags.force && (await exists(flags.config))) {
        throw new Error(`${flags.config} exists; --force overwrites it.`);
      }
      await writeFileAtomically(flags.config, text, 0o644);
      const ip = publicIp ?? "<this server's public IPv4 address>";
      process.stdout.write(
        [
          `Wrote ${flags.config}. Start the broker with: reach broker --config ${flags.config}`,
          "",
          `Add these records at the zone above ${domain} (your DNS host):`,
          `  ns1.${domain}. A  ${ip}`,
          `  ${domain}. NS ns1.${domain}.`,
          ...(publicIp ? [] : [`and set public_ip = ["…"] in ${flags.config}.`]),
          "",
          "Open these ports to the internet:",
          "  443/tcp  the API, the tunnel and reverse-proxy hosts (HTTPS)",
          "  443/udp  STUN for peer-to-peer connections",
          "  53/udp and 53/tcp  the broker's DNS for its zone",
          "  80/tcp  ACME http-01 and the redirect to https",
          "  33000-39999/tcp  port proxies",
          "",
        ].join("\n"),
      );
    });
}
