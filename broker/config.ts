// The broker's settings, their defaults, and the parsing of the flags that set them.
import { isIP } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where the broker's store lives: SQLite in a data directory, or a PostgreSQL database. */
export type StoreLocation = { kind: "sqlite"; dataDir: string } | { kind: "postgres"; url: string };

export interface BrokerConfig {
  dataDir: string;
  /** Default: SQLite in dataDir, as a broker alone has always kept it. */
  store: StoreLocation;
  listenHost: string;
  listenPort: number;
  domain: string;
  node: number;
  publicHost: string;
  proxyBind: string;
  proxyPortLow: number;
  proxyPortHigh: number;
  /** Seconds a connection lives. */
  timeout: number;
  /** Seconds without client traffic before a connection closes; 0 = never. */
  idleTimeout: number;
  tls?: { cert: string; key: string };
  maxConnectionsPerUser: number;
  /** Idle data connections each agent keeps open for the broker. */
  agentPoolSize: number;
  /**
   * UDP port of the STUN responder that gives on-demand peers their server-reflexive
   * candidates: "listen" (default) uses the listener's port number, null turns it off.
   */
  stunPort: number | "listen" | null;
  /**
   * The addresses this node's names (the zone apex, p<N>.<domain>, *.p<N>.<domain>) resolve
   * to in the broker's own DNS; default: publicHost when it is an IP address, else none.
   */
  publicIps: string[];
  /** The authoritative DNS server for `domain` (issue 18); absent: off. */
  dns?: { host: string; port: number };
  /** Plain HTTP beside the TLS listener: ACME HTTP-01 answers and a redirect to https. */
  httpListen?: { host: string; port: number };
  /** Certificates from an ACME CA, instead of (or until) --tls-cert/--tls-key. */
  acme?: AcmeSettings;
}

export interface AcmeSettings {
  /** The account's contact address. */
  email: string;
  /** The CA's directory URL (Let's Encrypt's production directory by default). */
  directoryUrl: string;
  /** dns-01 (answered by the broker's own DNS) or http-01 (answered on httpListen). */
  challenge: "dns-01" | "http-01";
  /** A PEM file of roots to trust for the directory itself (a test CA such as pebble). */
  caRootFile?: string;
}

export const LETS_ENCRYPT_DIRECTORY = "https://acme-v02.api.letsencrypt.org/directory";

export function defaultDataDir(): string {
  return join(homedir(), ".reach", "broker");
}

/**
 * --store: "postgres://USER:PASS@HOST:PORT/DB" (postgresql:// too), or "sqlite:DIR", the
 * directory that holds reach.sqlite; absent, SQLite in --data-dir.
 */
export function parseStoreLocation(value: string | undefined, dataDir: string): StoreLocation {
  if (value === undefined || value === "") return { kind: "sqlite", dataDir };
  if (/^postgres(ql)?:\/\//.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`--store "${value}" is not a URL like postgres://USER:PASS@HOST:PORT/DB.`);
    }
    if (!url.hostname || url.pathname.length < 2) {
      throw new Error(
        `--store "${url.protocol}//${url.host}${url.pathname}" needs a host and a database: postgres://USER:PASS@HOST:PORT/DB.`,
      );
    }
    return { kind: "postgres", url: value };
  }
  if (value.startsWith("sqlite:")) {
    const dir = value.slice("sqlite:".length);
    if (!dir) throw new Error(`--store "sqlite:" needs the directory of the store: sqlite:DIR.`);
    return { kind: "sqlite", dataDir: dir };
  }
  throw new Error(
    `--store "${value}" is neither postgres://USER:PASS@HOST:PORT/DB nor sqlite:DIR.`,
  );
}

/** Splits "HOST:PORT" or "[IPv6]:PORT". */
export function parseHostPort(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  const host = match?.[1] ?? match?.[2];
  if (!match || !host || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`"${value}" is not HOST:PORT (for IPv6 write [::1]:29090).`);
  }
  return { host, port };
}

export function parsePortRange(value: string): { low: number; high: number } {
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(value);
  const low = Number(match?.[1]);
  const high = Number(match?.[2]);
  if (!match || low < 1 || high > 65535 || low > high) {
    throw new Error(`"${value}" is not a port range LO-HI within 1-65535.`);
  }
  return { low, high };
}

/** A host as a URL names it: an IPv6 address in brackets. */
export function hostForUrl(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

/** The host printed in port-proxy URLs when --public-host is not given. */
export function defaultPublicHost(listenHost: string, proxyBind: string): string {
  if (isLoopback(listenHost)) return isLoopback(proxyBind) ? proxyBind : "127.0.0.1";
  if (proxyBind !== "0.0.0.0" && proxyBind !== "::") return proxyBind;
  return listenHost === "0.0.0.0" || listenHost === "::" ? "127.0.0.1" : listenHost;
}

export function resolveConfig(partial: Partial<BrokerConfig>): BrokerConfig {
  const listenHost = partial.listenHost ?? "127.0.0.1";
  const proxyBind = partial.proxyBind ?? "127.0.0.1";
  const dataDir = partial.dataDir ?? defaultDataDir();
  const config: BrokerConfig = {
    dataDir,
    store: partial.store ?? { kind: "sqlite", dataDir },
    listenHost,
    listenPort: partial.listenPort ?? 29090,
    domain: (partial.domain ?? "localhost").toLowerCase(),
    node: partial.node ?? 1,
    publicHost: partial.publicHost ?? defaultPublicHost(listenHost, proxyBind),
    proxyBind,
    proxyPortLow: partial.proxyPortLow ?? 33000,
    proxyPortHigh: partial.proxyPortHigh ?? 39999,
    timeout: partial.timeout ?? 28800,
    idleTimeout: partial.idleTimeout ?? 900,
    maxConnectionsPerUser: partial.maxConnectionsPerUser ?? 1000,
    agentPoolSize: partial.agentPoolSize ?? 8,
    stunPort: partial.stunPort === undefined ? "listen" : partial.stunPort,
    tls: partial.tls,
    publicIps: partial.publicIps ?? [],
    dns: partial.dns,
    httpListen: partial.httpListen,
    acme: partial.acme,
  };
  if (config.publicIps.length === 0 && isIP(config.publicHost)) {
    config.publicIps = [config.publicHost];
  }
  for (const ip of config.publicIps) {
    if (!isIP(ip)) throw new Error(`--public-ip "${ip}" is not an IPv4 or IPv6 address.`);
  }
  if (config.acme && config.tls) {
    throw new Error(
      "--acme-email and --tls-cert/--tls-key are two ways to get a certificate: choose one.",
    );
  }
  if (config.acme?.challenge === "dns-01" && !config.dns) {
    throw new Error(
      "--acme-email with --acme-challenge dns-01 needs the broker's own DNS: set --dns-listen (or use http-01).",
    );
  }
  if (config.acme?.challenge === "http-01" && !config.httpListen) {
    throw new Error(
      "--acme-email with --acme-challenge http-01 needs plain HTTP: set --http-listen (usually 0.0.0.0:80).",
    );
  }
  if (!/^[a-z0-9.-]+$/.test(config.domain)) {
    throw new Error(`--domain "${config.domain}" is not a DNS name.`);
  }
  if (!Number.isInteger(config.node) || config.node < 0) {
    throw new Error("--node must be a whole number.");
  }
  if (!Number.isInteger(config.timeout) || config.timeout < 1) {
    throw new Error("--timeout must be a whole number of seconds, at least 1.");
  }
  if (!Number.isInteger(config.idleTimeout) || config.idleTimeout < 0) {
    throw new Error("--idle-timeout must be a whole number of seconds (0 = never).");
  }
  return config;
}
