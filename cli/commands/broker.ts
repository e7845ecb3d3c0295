// `reach broker`: runs the broker in the foreground.
import type { Command } from "commander";
import {
  type AcmeSettings,
  defaultDataDir,
  LETS_ENCRYPT_DIRECTORY,
  parseHostPort,
  parsePortRange,
  parseStoreLocation,
} from "../../broker/config.js";
import { integer, onShutdown } from "../options.js";

interface BrokerFlags {
  dataDir: string;
  store?: string;
  listen: string;
  domain: string;
  node: number;
  publicHost?: string;
  proxyBind: string;
  proxyPorts: string;
  timeout: number;
  idleTimeout: number;
  tlsCert?: string;
  tlsKey?: string;
  maxConnectionsPerUser: number;
  stunPort: string;
  publicIp?: string;
  dnsListen: string;
  httpListen: string;
  acmeEmail?: string;
  acmeDirectory: string;
  acmeChallenge: string;
  acmeCa?: string;
}

/** "off", or HOST:PORT. */
function parseOptionalListen(
  flag: string,
  value: string,
): { host: string; port: number } | undefined {
  if (value === "off") return undefined;
  try {
    return parseHostPort(value);
  } catch (error) {
    throw new Error(`${flag} ${(error as Error).message}`);
  }
}

function parseAcme(flags: BrokerFlags): AcmeSettings | undefined {
  if (!flags.acmeEmail) return undefined;
  if (flags.acmeChallenge !== "dns-01" && flags.acmeChallenge !== "http-01") {
    throw new Error(`--acme-challenge "${flags.acmeChallenge}" is neither dns-01 nor http-01.`);
  }
  return {
    email: flags.acmeEmail,
    directoryUrl: flags.acmeDirectory,
    challenge: flags.acmeChallenge,
    caRootFile: flags.acmeCa,
  };
}

/** "off", or a UDP port; the default follows the listener's port number. */
function parseStunPort(value: string, listenPort: number): number | "listen" | null {
  if (value === "off") return null;
  if (value === "listen") return listenPort === 0 ? "listen" : listenPort;
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65535) {
    throw new Error(`--stun-port "${value}" is not a UDP port (0-65535) or "off".`);
  }
  return port;
}

export function registerBrokerCommand(program: Command): void {
  program
    .command("broker")
    .description("Run a broker: the GraphQL API, the proxies, and the agents' tunnel gateway.")
    .option("--data-dir <dir>", "where the SQLite store lives", defaultDataDir())
    .option(
      "--store <postgres://…|sqlite:DIR>",
      "the store: postgres://USER:PASS@HOST:PORT/DB, or sqlite:DIR (default: SQLite in --data-dir)",
    )
    .option("--listen <host:port>", "API, reverse-proxy and tunnel listener", "127.0.0.1:29090")
    .option(
      "--domain <domain>",
      "domain of reverse-proxy hosts (<label>.p<N>.<domain>)",
      "localhost",
    )
    .option("--node <n>", "this broker's number, the N in p<N>", integer("--node"), 1)
    .option(
      "--public-host <host>",
      "host printed in port-proxy URLs (default: 127.0.0.1 on loopback)",
    )
    .option("--proxy-bind <addr>", "address port proxies listen on", "127.0.0.1")
    .option("--proxy-ports <lo-hi>", "port range for port proxies", "33000-39999")
    .option("--timeout <seconds>", "lifetime of a connection", integer("--timeout", 1), 28800)
    .option(
      "--idle-timeout <seconds>",
      "close after this long without traffic (0 = never)",
      integer("--idle-timeout"),
      900,
    )
    .option("--tls-cert <file>", "serve https with this certificate (PEM)")
    .option("--tls-key <file>", "the certificate's private key (PEM)")
    .option(
      "--max-connections-per-user <n>",
      "cap on a user's open connections",
      integer("--max-connections-per-user", 1),
      1000,
    )
    .option(
      "--stun-port <port|off>",
      "UDP port of the STUN responder for on-demand P2P (default: the listener's port)",
      "listen",
    )
    .option(
      "--public-ip <ip,…>",
      "addresses the broker's DNS gives for this node (default: --public-host if it is an IP)",
    )
    .option(
      "--dns-listen <host:port|off>",
      "answer DNS for --domain here (UDP and TCP; usually 0.0.0.0:53)",
      "off",
    )
    .option(
      "--http-listen <host:port|off>",
      "plain HTTP for ACME http-01 and a redirect to https (usually 0.0.0.0:80)",
      "off",
    )
    .option("--acme-email <email>", "get certificates from an ACME CA with this contact address")
    .option("--acme-directory <url>", "the ACME CA's directory", LETS_ENCRYPT_DIRECTORY)
    .option(
      "--acme-challenge <dns-01|http-01>",
      "dns-01 (the broker's own DNS; gives the wildcard) or http-01",
      "dns-01",
    )
    .option("--acme-ca <file>", "PEM roots to trust for the ACME directory itself (a test CA)")
    .action(async (flags: BrokerFlags) => {
      if (!!flags.tlsCert !== !!flags.tlsKey) {
        throw new Error("--tls-cert and --tls-key go together.");
      }
      const listen = parseHostPort(flags.listen);
      const ports = parsePortRange(flags.proxyPorts);
      const stunPort = parseStunPort(flags.stunPort, listen.port);
      const store = parseStoreLocation(flags.store, flags.dataDir);
      const { startBroker } = await import("../../broker/broker.js");
      const broker = await startBroker({
        dataDir: flags.dataDir,
        store,
        listenHost: listen.host,
        listenPort: listen.port,
        domain: flags.domain,
        node: flags.node,
        publicHost: flags.publicHost || undefined,
        proxyBind: flags.proxyBind,
        proxyPortLow: ports.low,
        proxyPortHigh: ports.high,
        timeout: flags.timeout,
        idleTimeout: flags.idleTimeout,
        maxConnectionsPerUser: flags.maxConnectionsPerUser,
        stunPort,
        tls: flags.tlsCert && flags.tlsKey ? { cert: flags.tlsCert, key: flags.tlsKey } : undefined,
        publicIps: flags.publicIp ? flags.publicIp.split(",").map((ip) => ip.trim()) : undefined,
        dns: parseOptionalListen("--dns-listen", flags.dnsListen),
        httpListen: parseOptionalListen("--http-listen", flags.httpListen),
        acme: parseAcme(flags),
      });
      process.stdout.write(
        `Reach broker listening on ${broker.url} (GraphQL API at ${broker.apiUrl})\n`,
      );
      onShutdown(() => broker.close());
    });
}
