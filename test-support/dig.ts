// Asks a DNS server with the real resolver client, `dig` (Debian's bind9-dnsutils), and
// reads back what it printed: the status, the header flags and the sections' records.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  /** The record's data as dig prints it (TXT values keep their quotes). */
  data: string;
}

export interface DigReply {
  status: string;
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  /** dig's whole output, for assertion messages. */
  text: string;
}

/**
 * `dig @host -p port +norecurse name type …extra` (extra: "+tcp", "+ignore", "+recurse"
 * …). One try, two seconds: a server that does not answer fails the test quickly.
 */
export async function dig(
  host: string,
  port: number,
  name: string,
  type: string,
  ...extra: string[]
): Promise<DigReply> {
  const { stdout } = await run(
    "dig",
    [`@${host}`, "-p", String(port), "+norecurse", "+time=2", "+tries=1", ...extra, name, type],
    { timeout: 10_000 },
  );
  return parseDig(stdout);
}

function parseDig(text: string): DigReply {
  const status = /status: ([A-Z]+)/.exec(text)?.[1];
  const flags = /;; flags:([^;]*);/.exec(text)?.[1];
  if (status === undefined || flags === undefined) {
    throw new Error(`dig printed no reply:\n${text}`);
  }
  return {
    status,
    flags: flags.trim().split(/\s+/),
    answer: section(text, "ANSWER"),
    authority: section(text, "AUTHORITY"),
    text,
  };
}

function section(text: string, title: string): DigRecord[] {
  const start = text.indexOf(`;; ${title} SECTION:\n`);
  if (start < 0) return [];
  const body = text.slice(start).split("\n").slice(1);
  const end = body.findIndex((line) => line.trim() === "");
  return body.slice(0, end < 0 ? undefined : end).map((line) => {
    const [name = "", ttl = "", , type = "", ...data] = line.split(/\s+/);
    return { name, ttl: Number(ttl), type, data: data.join(" ") };
  });
}
