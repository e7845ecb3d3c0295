// The reverse proxy under attack: two tenants (two users, each with an agent and a real web
// server) behind random subdomains on the broker's listener, while a visitor guesses
// subdomains, sends request-smuggling shapes, oversized heads and a slowloris crowd.
// Tenant B is loaded throughout; every backend writes down what reached it, so the checks
// prove who saw what, not just which status codes came back.

import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { percentile } from "../../test-support/stats.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import { rawExchange, startSlowloris, type Timed, timedGet } from "../lib/raw-http.js";
import type { Recorder, Scenario, TortureContext } from "../lib/scenario.js";
import { TortureStack } from "../lib/stack.js";
import { startTenantWeb, type TenantWeb } from "../lib/tenant-web.js";

/** The broker's listener, then its port-proxy range. */
const PORTS = claimPortBlock("hostile-reverse-proxy", 51);
const PORT = PORTS.port(0);
const SUFFIX = ".p1.localhost";
/** Slow heads must be cut within this: the broker's headersTimeout (20 s) and its 1 s sweep. */
const SLOWLORIS_BOUND_MS = 25_000;
/** A tenant's p99 while the slowloris crowd is connected. */
const P99_BOUND_MS = 1000;

interface Tenants {
  stack: TortureStack;
  record: Recorder;
  a: TenantWeb;
  b: TenantWeb;
  /** "label.p1.localhost:PORT", as a browser sends it. */
  hostA: string;
  hostB: string;
}

/** The label's alphabet and length, read from newSubdomainLabel's source. */
function labelSpec(): { alphabet: string; length: number } | null {
  const source = readFileSync(new URL("../../broker/store/ids.ts", import.meta.url), "utf8");
  const body = source.slice(source.indexOf("export function newSubdomainLabel"));
  const alphabet = /const alphabet = "([^"]+)"/.exec(body)?.[1];
  const length = Number(/while \(label\.length < (\d+)\)/.exec(body)?.[1]);
  return alphabet && length > 0 ? { alphabet, length } : null;
}

function randomLabel(alphabet: string, length: number): string {
  let label = "";
  for (let i = 0; i < length; i++) label += alphabet[randomInt(alphabet.length)];
  return label;
}

/** Runs `task` over `items`, `lanes` at a time. */
async function inLanes<T, R>(items: T[], lanes: number, task: (item: T) => Promise<R>) {
  const results: R[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return results;
}

/** Steady traffic to one tenant until stopped: every sample with when it was sent. */
function steadyLoad(host: string, path: string) {
  const samples: (Timed & { at: number })[] = [];
  let running = true;
  const lane = async () => {
    while (running) {
      const at = performance.now();
      samples.push({ ...(await timedGet(PORT, host, path)), at });
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const lanes = [lane(), lane()];
  return {
    samples,
    async stop() {
      running = false;
      await Promise.all(lanes);
      return samples;
    },
  };
}

async function subdomainGuessing(t: Tenants, quick: boolean): Promise<void> {
  const { stack, record } = t;
  const spec = labelSpec();
  record.check("newSubdomainLabel's alphabet and length read from its source", spec !== null);
  if (!spec) return;
  const symbols = new Set(spec.alphabet).size;
  const bits = spec.length * Math.log2(symbols);
  record.figure("subdomain label entropy, bits", bits);
  record.figure("subdomain label", `${spec.length} characters of ${symbols} symbols`);

  // Many real labels: all distinct, all of the stated shape, characters evenly spread.
  const aKeys = stack.createUser("alice-more@example.com");
  const agent = await stack.startAgent("tenant-a-more", aKeys, [`web=http:${t.a.port}`]);
  const serviceId = agent.serviceIds.get("web") as string;
  const made = await inLanes(Array.from({ length: 200 }), 4, () =>
    stack.connect(aKeys, serviceId, "0.0.0.0", "REVERSE_PROXY"),
  );
  const labels = [...made.map((c) => c.host), t.hostA, t.hostB].map(
    (h) => h.split(":")[0]?.replace(SUFFIX, "") ?? "",
  );
  const shape = new RegExp(`^[${spec.alphabet}]{${spec.length}}$`);
  const misshapen = labels.filter((l) => !shape.test(l));
  record.check(
    `${labels.length} labels all distinct`,
    new Set(labels).size === labels.length,
    `${new Set(labels).size} distinct`,
  );
  record.check(
    `every label is ${spec.length} characters of the stated alphabet`,
    misshapen.length === 0,
    misshapen.slice(0, 3).join(" ") || `e.g. ${labels[0]}`,
  );
  const counts = new Map<string, number>();
  for (const c of labels.join("")) counts.set(c, (counts.get(c) ?? 0) + 1);
  const expected = (labels.length * spec.length) / symbols;
  const chi2 = [...new Set(spec.alphabet)].reduce(
    (sum, c) => sum + ((counts.get(c) ?? 0) - expected) ** 2 / expected,
    0,
  );
  // 66.6 is chi-square's 0.1% tail for 35 degrees of freedom (36 symbols): a biased
  // generator lands above it, a fair one only once in a thousand runs.
  const critical = symbols === 36 ? 66.6 : symbols * 1.9;
  record.check(
    "label characters are evenly spread (chi-square below its 0.1% tail)",
    chi2 < critical,
    `chi-square ${chi2.toFixed(1)} over ${labels.length * spec.length} characters (limit ${critical})`,
  );

  // Guesses: random labels of the right shape, and near misses of every real label.
  const total = quick ? 500 : 2000;
  const guesses: string[] = [];
  for (const label of labels) {
    const i = randomInt(label.length);
    const swapped = spec.alphabet.replace(label[i] ?? "", "")[randomInt(symbols - 1)];
    guesses.push(`${label.slice(0, i)}${swapped}${label.slice(i + 1)}`, label.slice(1));
  }
  while (guesses.length < total) guesses.push(randomLabel(spec.alphabet, spec.length));
  const replies = await inLanes(guesses.slice(0, total), 20, (g) =>
    timedGet(PORT, `${g}${SUFFIX}:${PORT}`, "/guess"),
  );
  const statuses = new Map<number, number>();
  for (const r of replies) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  const reached = [...t.a.seen, ...t.b.seen].filter((s) => s.url === "/guess").length;
  record.figure("guessed hosts sent / reached a service", `${replies.length} / ${reached}`);
  record.check(
    `all ${replies.length} guessed hosts get 404`,
    statuses.get(404) === replies.length,
    [...statuses].map(([s, n]) => `${n}× ${s}`).join(", "),
  );
  record.check("no guess reached a tenant's web server", reached === 0, `${reached} reached`);
}

interface Shape {
  name: string;
  bytes: string;
  /** The one status expected: a refusal (then the broker must close), or 200 when served. */
  status: number;
}

/** Request-smuggling shapes aimed at tenant A, each hiding a request for tenant B. */
function smugglingShapes(hostA: string, hostB: string): Shape[] {
  const hidden = `GET /smuggled HTTP/1.1\r\nHost: ${hostB}\r\n\r\n`;
  const chunkedEnd = `0\r\n\r\n${hidden}`;
  const filler = Array.from({ length: 120 }, (_, i) => `X-Filler-${i}: x\r\n`).join("");
  const refuse = (name: string, bytes: string, status = 400): Shape => ({ name, bytes, status });
  return [
    refuse(
      "Content-Length and Transfer-Encoding",
      `POST /refused HTTP/1.1\r\nHost: ${hostA}\r\nContent-Length: ${chunkedEnd.length}\r\nTransfer-Encoding: chunked\r\n\r\n${chunkedEnd}`,
    ),
    refuse(
      "Transfer-Encoding then Content-Length",
      `POST /refused HTTP/1.1\r\nHost: ${hostA}\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n${chunkedEnd}`,
    ),
    refuse(
      "two different Content-Lengths",
      `POST /refused HTTP/1.1\r\nHost: ${hostA}\r\nContent-Length: 5\r\nContent-Length: ${5 + hidden.length}\r\n\r\nhello${hidden}`,
    ),
    refuse(
      "Host for A, then Host for B",
      `GET /smuggled HTTP/1.1\r\nHost: ${hostA}\r\nHost: ${hostB}\r\n\r\n`,
    ),
    refuse(
      "Host for B, then Host for A",
      `GET /smuggled HTTP/1.1\r\nHost: ${hostB}\r\nHost: ${hostA}\r\n\r\n`,
    ),
    refuse(
      "second Host hidden after 120 headers",
      `GET /smuggled HTTP/1.1\r\nHost: ${hostA}\r\n${filler}Host: ${hostB}\r\n\r\n`,
    ),
    refuse(
      "WebSocket upgrade with two Hosts",
      `GET /smuggled HTTP/1.1\r\nHost: ${hostA}\r\nHost: ${hostB}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    ),
    refuse(
      "Transfer-Encoding: chunked, identity",
      `POST /refused HTTP/1.1\r\nHost: ${hostA}\r\nTransfer-Encoding: chunked, identity\r\n\r\n${chunkedEnd}`,
    ),
    refuse(
      "obs-fold hiding Transfer-Encoding",
      `POST /refused HTTP/1.1\r\nHost: ${hostA}\r\nContent-Length: ${chunkedEnd.length}\r\nTransfer-Encoding:\r\n chunked\r\n\r\n${chunkedEnd}`,
    ),
    refuse(
      "obs-fold continuing Host with B's name",
      `GET /smuggled HTTP/1.1\r\nHost: ${hostA}\r\n ${hostB}\r\n\r\n`,
    ),
    refuse(
      "space before the colon of Transfer-Encoding",
      `POST /refused HTTP/1.1\r\nHost: ${hostA}\r\nContent-Length: ${chunkedEnd.length}\r\nTransfer-Encoding : chunked\r\n\r\n${chunkedEnd}`,
    ),
    refuse(
      "absolute-form target naming B, Host naming A",
      `GET http://${hostB}/smuggled HTTP/1.1\r\nHost: ${hostA}\r\n\r\n`,
    ),
    refuse(
      "CONNECT to B's host",
      `CONNECT ${hostB} HTTP/1.1\r\nHost: ${hostB}\r\n\r\n${hidden}`,
      405,
    ),
    {
      name: "a request hidden in a body",
      bytes: `POST /served HTTP/1.1\r\nHost: ${hostA}\r\nContent-Length: ${hidden.length}\r\nConnection: close\r\n\r\n${hidden}`,
      status: 200,
    },
    {
      // The service does not switch to h2c: the connection must not become a raw pipe
      // carrying the next request past the broker.
      name: "Upgrade: h2c, then a request for B",
      bytes: `GET /served-upgrade HTTP/1.1\r\nHost: ${hostA}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n${hidden}`,
      status: 200,
    },
  ];
}

async function smuggling(t: Tenants): Promise<void> {
  const { record } = t;
  const shapes = smugglingShapes(t.hostA, t.hostB);
  const aBefore = t.a.seen.length;
  let refused = 0;
  for (const shape of shapes) {
    const outcome = await rawExchange(PORT, shape.bytes, { idleMs: 800, timeoutMs: 5000 });
    const first = outcome.statuses[0] ?? 0;
    if (first >= 400 && first < 500 && outcome.statuses.length === 1 && outcome.closedByServer) {
      refused++;
    }
    const seen = `${outcome.statuses.join(",") || "no response"}${outcome.closedByServer ? ", closed" : ", left open"}`;
    // Served shapes end with the connection too (Connection: close, or a refused upgrade).
    record.check(
      `smuggling: ${shape.name} → ${shape.status} alone, then closed`,
      first === shape.status && outcome.statuses.length === 1 && outcome.closedByServer,
      seen,
    );
  }
  const aNew = t.a.seen.slice(aBefore);
  const served = shapes.filter((s) => s.status === 200).length;
  record.figure(
    "smuggling attempts / refused (the rest served as the one request they are)",
    `${shapes.length} / ${refused}`,
  );
  record.check(
    "tenant A's server saw exactly the served requests, bodies intact",
    aNew.length === served &&
      aNew.every((s) =>
        s.url === "/served" ? s.body.startsWith("GET /smuggled") : s.url === "/served-upgrade",
      ),
    aNew.map((s) => `${s.method} ${s.url} (${s.body.length} B)`).join("; ") || "none",
  );
  const smuggledIn = [...t.a.seen, ...t.b.seen].filter(
    (s) => s.url.includes("smuggled") || s.url.startsWith("/refused"),
  );
  record.check(
    "no hidden or refused request reached either tenant",
    smuggledIn.length === 0,
    smuggledIn.map((s) => `${s.method} ${s.url} Host ${s.host}`).join("; ") || "none",
  );
}

async function oversizedHeads(t: Tenants): Promise<void> {
  for (const size of [64 * 1024, 1024 * 1024]) {
    const line = `X-Big: ${"b".repeat(1000)}\r\n`;
    const head = `GET /refused-big HTTP/1.1\r\nHost: ${t.hostA}\r\n${line.repeat(Math.ceil(size / line.length))}\r\n`;
    const outcome = await rawExchange(PORT, head, { idleMs: 800, timeoutMs: 10_000 });
    const first = outcome.statuses[0];
    t.record.check(
      `${size / 1024} KiB of headers → 431 or closed, never served`,
      (first === 431 || (first === undefined && outcome.closedByServer)) &&
        !t.a.seen.some((s) => s.url === "/refused-big"),
      `${outcome.statuses.join(",") || "no response"}${outcome.closedByServer ? ", closed" : ", left open"}`,
    );
  }
  const after = await timedGet(PORT, t.hostA, "/a/after-big");
  t.record.check(
    "broker still serves after oversized heads",
    after.status === 200,
    `${after.status}`,
  );
}

async function slowloris(t: Tenants, quick: boolean, bLoad: ReturnType<typeof steadyLoad>) {
  const { record } = t;
  const count = quick ? 100 : 500;
  const started = performance.now();
  const crowd = await startSlowloris(PORT, t.hostA, count, 2000);
  const aLoad = steadyLoad(t.hostA, "/a/during-slowloris");
  await crowd.settle(SLOWLORIS_BOUND_MS + 30_000);
  const aSamples = await aLoad.stop();
  const ended = performance.now();
  const bSamples = bLoad.samples.filter((s) => s.at >= started && s.at <= ended);
  const closed = crowd.closedAfterMs;
  const worst = Math.max(...closed);
  record.figure(
    "slowloris connections opened / closed by the broker",
    `${crowd.opened} / ${closed.length}`,
  );
  record.figure("slowloris: time until closed, s (median)", percentile(closed, 50) / 1000);
  record.figure("slowloris: time until closed, s (worst)", worst / 1000);
  record.figure(
    "slowloris: broker's answers before closing",
    [...new Set(crowd.statuses)]
      .map((s) => `${crowd.statuses.filter((x) => x === s).length}× ${s}`)
      .join(", ") || "none",
  );
  record.check(
    `every slow head was closed by the broker within ${SLOWLORIS_BOUND_MS / 1000} s`,
    crowd.opened === count && closed.length === count && worst <= SLOWLORIS_BOUND_MS,
    `${closed.length}/${crowd.opened} closed, worst ${(worst / 1000).toFixed(1)} s`,
  );
  for (const [name, samples] of [
    ["A (the attacked host)", aSamples],
    ["B", bSamples],
  ] as const) {
    const ok = samples.filter((s) => s.status === 200);
    const p99 = percentile(
      samples.map((s) => s.ms),
      99,
    );
    record.figure(`tenant ${name} p99 during the slowloris, ms`, p99);
    record.check(
      `tenant ${name}: every request during the slowloris succeeded, p99 under ${P99_BOUND_MS} ms`,
      samples.length > 0 && ok.length === samples.length && p99 < P99_BOUND_MS,
      `${ok.length}/${samples.length} ok, p99 ${p99.toFixed(1)} ms`,
    );
  }
}

async function run(ctx: TortureContext, record: Recorder): Promise<void> {
  const a = await startTenantWeb("a");
  const b = await startTenantWeb("b");
  const stack = new TortureStack({ dir: ctx.scratchDir("stack"), ports: PORTS });
  let bLoad: ReturnType<typeof steadyLoad> | undefined;
  try {
    await stack.startBroker();
    const alice = stack.createUser("alice@example.com");
    const bob = stack.createUser("bob@example.com");
    const agentA = await stack.startAgent("tenant-a", alice, [`web=http:${a.port}`]);
    const agentB = await stack.startAgent("tenant-b", bob, [`web=http:${b.port}`]);
    const proxyA = await stack.connect(
      alice,
      agentA.serviceIds.get("web") as string,
      "0.0.0.0",
      "REVERSE_PROXY",
    );
    const proxyB = await stack.connect(
      bob,
      agentB.serviceIds.get("web") as string,
      "0.0.0.0",
      "REVERSE_PROXY",
    );
    const t: Tenants = {
      stack,
      record,
      a,
      b,
      hostA: new URL(proxyA.url).host,
      hostB: new URL(proxyB.url).host,
    };
    const firstA = await timedGet(PORT, t.hostA, "/a/first");
    const firstB = await timedGet(PORT, t.hostB, "/b/first");
    const premise = record.check(
      "each tenant's URL reaches its own server",
      firstA.body.startsWith("tenant a") && firstB.body.startsWith("tenant b"),
      `${proxyA.url} → ${firstA.status} "${firstA.body.trim()}", ${proxyB.url} → ${firstB.status} "${firstB.body.trim()}"`,
    );
    if (!premise) return;

    bLoad = steadyLoad(t.hostB, "/b/steady");
    await subdomainGuessing(t, ctx.quick);
    await smuggling(t);
    await oversizedHeads(t);
    await slowloris(t, ctx.quick, bLoad);
    const bSamples = await bLoad.stop();

    const bOk = bSamples.filter((s) => s.status === 200).length;
    record.figure(
      "tenant B requests during the whole scenario / failed",
      `${bSamples.length} / ${bSamples.length - bOk}`,
    );
    record.figure(
      "tenant B p99 over the whole scenario, ms",
      percentile(
        bSamples.map((s) => s.ms),
        99,
      ),
    );
    record.check(
      "tenant B: every request succeeded throughout",
      bSamples.length > 0 && bOk === bSamples.length,
      `${bOk}/${bSamples.length} ok`,
    );
    const foreignAtB = b.seen.filter((s) => !s.url.startsWith("/b/") || s.host !== t.hostB);
    const foreignAtA = a.seen.filter((s) => s.host === t.hostB || s.url.startsWith("/b/"));
    record.check(
      "tenant B's server saw only tenant B's own requests",
      foreignAtB.length === 0 && foreignAtA.length === 0,
      `${foreignAtB.length} foreign at B, ${foreignAtA.length} of B's at A (B saw ${b.seen.length})`,
    );
    record.check("the broker process is still running", stack.broker.child.exitCode === null);
  } finally {
    await bLoad?.stop();
    await stack.stop();
    await a.close();
    await b.close();
  }
}

export const scenario: Scenario = {
  name: "hostile-reverse-proxy",
  title: "Reverse proxy under attack: guessing, smuggling, huge heads, slowloris",
  group: "hostile",
  run,
};
