// The broker's settings as one table: each row is a flag of `reach broker` and a key of its
// config file at once, so neither can gain a setting the other lacks. A value travels in its
// flag's spelling (a string) whichever way it came; one check per row judges it, so a file
// and a flag are refused by the same sentence.
import { isIP } from "node:net";
import {
  type BrokerConfig,
  defaultDataDir,
  LETS_ENCRYPT_DIRECTORY,
  parseHostPort,
  parsePortRange,
  parseStoreLocation,
} from "./config.js";

/** What a config file may hold for a setting, before it is spelled as the flag would be. */
export type FileKind = "text" | "integer" | "list" | "port-or-word";

export interface BrokerSetting {
  /** "--acme-email"; the name (acmeEmail) and the file key (acme.email) derive from it. */
  flag: `--${string}`;
  /** What the flag takes, for --help: "<host:port>". */
  placeholder: string;
  description: string;
  /** As the flag would be written; absent: not set unless given. */
  default?: string;
  file: FileKind;
  /** Throws a sentence (without the flag's name) when the value cannot be used. */
  check(value: string): void;
}

/**
 * Tables of the config file: a flag whose first word is one of these lives in that table
 * (--acme-email → [acme] email), every other flag at the top level (--data-dir → data_dir).
 */
export const SETTING_GROUPS = ["proxy", "tls", "dns", "http", "acme"] as const;

function wholeNumber(min: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < min) {
      throw new Error(`"${value}" is not a whole number${min > 0 ? ` of at least ${min}` : ""}.`);
    }
  };
}

function hostPortOrOff(value: string): void {
  if (value !== "off") parseHostPort(value);
}

const anything = () => {};

export const BROKER_SETTINGS: readonly BrokerSetting[] = [
  {
    flag: "--data-dir",
    placeholder: "<dir>",
    description: "where the SQLite store lives",
    default: defaultDataDir(),
    file: "text",
    check: anything,
  },
  {
    flag: "--store",
    placeholder: "<postgres://…|sqlite:DIR>",
    description:
      "the store: postgres://USER:PASS@HOST:PORT/DB, or sqlite:DIR (default: SQLite in --data-dir)",
    file: "text",
    check: (value) => parseStoreLocation(value, ""),
  },
  {
    flag: "--listen",
    placeholder: "<host:port>",
    description: "API, reverse-proxy and tunnel listener",
    default: "127.0.0.1:29090",
    file: "text",
    check: parseHostPort,
  },
  {
    flag: "--domain",
    placeholder: "<domain>",
    description: "domain of reverse-proxy hosts (<label>.p<N>.<domain>)",
    default: "localhost",
    file: "text",
    check: (value) => {
      if (!/^[a-z0-9.-]+$/i.test(value)) throw new Error(`"${value}" is not a DNS name.`);
    },
  },
  {
    flag: "--node",
    placeholder: "<n>",
    description: "this broker's number, the N in p<N>",
    default: "1",
    file: "integer",
    check: wholeNumber(0),
  },
  {
    flag: "--public-host",
    placeholder: "<host>",
    description: "host printed in port-proxy URLs (default: 127.0.0.1 on loopback)",
    file: "text",
    check: anything,
  },
  {
    flag: "--public-ip",
    placeholder: "<ip,…>",
    description:
      "addresses the broker's DNS gives for this node (default: --public-host if it is an IP)",
    file: "list",
    check: (value) => {
      for (const ip of splitList(value)) {
        if (!isIP(ip)) throw new Error(`"${ip}" is not an IPv4 or IPv6 address.`);
      }
    },
  },
  {
    flag: "--proxy-bind",
    placeholder: "<addr>",
    description: "address port proxies listen on",
    default: "127.0.0.1",
    file: "text",
    check: (value) => {
      if (!isIP(value) && value !== "localhost") {
        throw new Error(`"${value}" is not an IP address to listen on.`);
      }
    },
  },
  {
    flag: "--proxy-ports",
    placeholder: "<lo-hi>",
    description: "port range for port proxies",
    default: "33000-39999",
    file: "text",
    check: parsePortRange,
  },
  {
    flag: "--timeout",
    placeholder: "<seconds>",
    description: "lifetime of a connection",
    default: "28800",
    file: "integer",
    check: wholeNumber(1),
  },
  {
    flag: "--idle-timeout",
    placeholder: "<seconds>",
    description: "close after this long without traffic (0 = never)",
    default: "900",
    file: "integer",
    check: wholeNumber(0),
  },
  {
    flag: "--max-connections-per-user",
    placeholder: "<n>",
    description: "cap on a user's open connections",
    default: "1000",
    file: "integer",
    check: wholeNumber(1),
  },
  {
    flag: "--stun-port",
    placeholder: "<port|off>",
    description: "UDP port of the STUN responder for on-demand P2P (default: the listener's port)",
    default: "listen",
    file: "port-or-word",
    check: (value) => {
      if (value === "off" || value === "listen") return;
      if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
        throw new Error(`"${value}" is not a UDP port (0-65535), "listen" or "off".`);
      }
    },
  },
  {
    flag: "--tls-cert",
    placeholder: "<file>",
    description: "serve https with this certificate (PEM)",
    file: "text",
    check: anything,
  },
  {
    flag: "--tls-key",
    placeholder: "<file>",
    description: "the certificate's private key (PEM)",
    file: "text",
    check: anything,
  },
  {
    flag: "--dns-listen",
    placeholder: "<host:port|off>",
    description: "answer DNS for --domain here (UDP and TCP; usually 0.0.0.0:53)",
    default: "off",
    file: "text",
    check: hostPortOrOff,
  },
  {
    flag: "--http-listen",
    placeholder: "<host:port|off>",
    description: "plain HTTP for ACME http-01 and a redirect to https (usually 0.0.0.0:80)",
    default: "off",
    file: "text",
    check: hostPortOrOff,
  },
  {
    flag: "--acme-email",
    placeholder: "<email>",
    description: "get certificates from an ACME CA with this contact address",
    file: "text",
    check: (value) => {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
        throw new Error(`"${value}" is not an email address.`);
      }
    },
  },
  {
    flag: "--acme-directory",
    placeholder: "<url>",
    description: "the ACME CA's directory",
    default: LETS_ENCRYPT_DIRECTORY,
    file: "text",
    check: (value) => {
      if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
        throw new Error(`"${value}" is not an http(s) URL.`);
      }
    },
  },
  {
    flag: "--acme-challenge",
    placeholder: "<dns-01|http-01>",
    description: "dns-01 (the broker's own DNS; gives the wildcard) or http-01",
    default: "dns-01",
    file: "text",
    check: (value) => {
      if (value !== "dns-01" && value !== "http-01") {
        throw new Error(`"${value}" is neither dns-01 nor http-01.`);
      }
    },
  },
  {
    flag: "--acme-ca",
    placeholder: "<file>",
    description: "PEM roots to trust for the ACME directory itself (a test CA)",
    file: "text",
    check: anything,
  },
];

/** commander's attribute name for a flag: --max-connections-per-user → maxConnectionsPerUser. */
export function settingName(setting: BrokerSetting): string {
  return setting.flag.slice(2).replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The setting's place in the config file: its table (or none) and its key there. */
export function settingKey(setting: BrokerSetting): { group?: string; key: string } {
  const words = setting.flag.slice(2).split("-");
  const [first = "", ...rest] = words;
  if ((SETTING_GROUPS as readonly string[]).includes(first) && rest.length > 0) {
    return { group: first, key: rest.join("_") };
  }
  return { key: words.join("_") };
}

/** "acme.email", "listen": how errors and --print-config name a setting's key. */
export function settingPath(setting: BrokerSetting): string {
  const { group, key } = settingKey(setting);
  return group ? `${group}.${key}` : key;
}

export function splitList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** A setting's value by its name (settingName), in the flag's spelling; absent: not set. */
export type SettingValues = Record<string, string | undefined>;

/**
 * The broker's settings from values every row's check has passed; what depends on two
 * settings at once is judged here and by resolveConfig.
 */
export function settingsToConfig(values: SettingValues): Partial<BrokerConfig> {
  const get = (flag: string) => values[settingName({ flag } as BrokerSetting)];
  const dataDir = get("--data-dir") ?? defaultDataDir();
  const listen = parseHostPort(get("--listen") ?? "127.0.0.1:29090");
  const ports = parsePortRange(get("--proxy-ports") ?? "33000-39999");
  const tlsCert = get("--tls-cert");
  const tlsKey = get("--tls-key");
  if (!!tlsCert !== !!tlsKey) throw new Error("--tls-cert and --tls-key go together.");
  const stun = get("--stun-port") ?? "listen";
  const optionalListen = (flag: string) => {
    const value = get(flag) ?? "off";
    return value === "off" ? undefined : parseHostPort(value);
  };
  const acmeEmail = get("--acme-email");
  const publicIp = get("--public-ip");
  return {
    dataDir,
    store: parseStoreLocation(get("--store"), dataDir),
    listenHost: listen.host,
    listenPort: listen.port,
    domain: get("--domain"),
    node: numberOrUndefined(get("--node")),
    publicHost: get("--public-host") || undefined,
    proxyBind: get("--proxy-bind"),
    proxyPortLow: ports.low,
    proxyPortHigh: ports.high,
    timeout: numberOrUndefined(get("--timeout")),
    idleTimeout: numberOrUndefined(get("--idle-timeout")),
    maxConnectionsPerUser: numberOrUndefined(get("--max-connections-per-user")),
    stunPort:
      stun === "off"
        ? null
        : stun === "listen"
          ? listen.port === 0
            ? "listen"
            : listen.port
          : Number(stun),
    tls: tlsCert && tlsKey ? { cert: tlsCert, key: tlsKey } : undefined,
    publicIps: publicIp ? splitList(publicIp) : undefined,
    dns: optionalListen("--dns-listen"),
    httpListen: optionalListen("--http-listen"),
    acme: acmeEmail
      ? {
          email: acmeEmail,
          directoryUrl: get("--acme-directory") ?? LETS_ENCRYPT_DIRECTORY,
          challenge: (get("--acme-challenge") ?? "dns-01") as "dns-01" | "http-01",
          caRootFile: get("--acme-ca"),
        }
      : undefined,
  };
}

function numberOrUndefined(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
