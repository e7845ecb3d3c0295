// The broker's and agent's data directories on a read-only or full filesystem (a small
// tmpfs mounted for the purpose; needs root). At start: a clear error naming the problem,
// a non-zero exit, and nothing half-written. A disk that fills while the broker runs:
// `connect` is refused with a clear error, nothing is left half-open, and once space is
// back everything works.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer, type Server } from "node:net";
import { join } from "node:path";
import { runReach, startReachChild } from "../../test-support/processes.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import { echoOnce } from "../lib/probes.js";
import type { Recorder, Scenario, TortureContext } from "../lib/scenario.js";
import { integrityCheck, truncateWal } from "../lib/sqlite-check.js";
import { type Keys, TortureStack } from "../lib/stack.js";

/** The broker's listener, then its port-proxy range. */
const PORTS = claimPortBlock("data-dir", 11);
const BROKER_PORT = PORTS.port(0);

function mount(dir: string, options: string): void {
  execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
}

function unmount(dir: string): void {
  execFileSync("umount", ["-l", dir], { stdio: "ignore" });
}

/** A digest of every file under `dir` (names and bytes), to prove nothing changed. */
function digest(dir: string): string {
  const hash = createHash("sha256");
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    hash.update(path).update(readFileSync(path));
  }
  return hash.digest("hex");
}

const brokerArgs = (dataDir: string) => [
  "broker",
  "--data-dir",
  dataDir,
  "--listen",
  `127.0.0.1:${BROKER_PORT}`,
  "--stun-port",
  "off",
];

async function refusesToStart(
  record: Recorder,
  label: string,
  args: string[],
  mentions: RegExp,
): Promise<void> {
  const exited = await runReach(args, { waitMs: 15_000 });
  const result = { ...exited, stderr: exited.stderr.trim() };
  record.check(
    `${label}: exits non-zero with a clear error`,
    result.code !== 0 && result.code !== null && mentions.test(result.stderr),
    `exit ${result.code} after ${result.ms.toFixed(0)} ms: ${result.stderr.split("\n")[0]}`,
  );
}

async function run(ctx: TortureContext, record: Recorder): Promise<void> {
  const mountPoint = ctx.scratchDir("mnt");
  // A fresh broker store on a read-only filesystem.
  mount(mountPoint, "ro,size=1m");
  try {
    await refusesToStart(
      record,
      "broker, read-only data dir (new store)",
      brokerArgs(join(mountPoint, "broker")),
      /data directory .* cannot be written|read-only/i,
    );
    await refusesToStart(
      record,
      "agent, read-only data dir",
      [
        "agent",
        "--api",
        `http://127.0.0.1:${BROKER_PORT}`,
        "--key",
        "x",
        "--secret",
        "eA==",
        "--data-dir",
        join(mountPoint, "agent"),
        "--service",
        "s=tcp:1",
      ],
      /data directory .* cannot be written|read-only/i,
    );
  } finally {
    unmount(mountPoint);
  }

  // A fresh broker store on a filesystem too small for it.
  mount(mountPoint, "size=16k");
  try {
    await refusesToStart(
      record,
      "broker, full disk (new store)",
      brokerArgs(join(mountPoint, "broker")),
      /full|no space/i,
    );
    const left = readdirSync(join(mountPoint, "broker"));
    record.check(
      "full disk (new store): nothing half-written is left behind",
      left.length === 0,
      left.join(", ") || "the directory is empty",
    );
  } finally {
    unmount(mountPoint);
  }

  // An existing store, then the filesystem turned read-only: refused, and left untouched.
  mount(mountPoint, "size=8m");
  const stack = new TortureStack({ dir: mountPoint, ports: PORTS });
  const echo = await startEcho();
  const echoPort = (echo.address() as AddressInfo).port;
  try {
    await stack.startBroker();
    const keys = stack.createUser("disk@example.com");
    await stack.broker.stop();
    const before = digest(join(mountPoint, "broker"));
    execFileSync("mount", ["-o", "remount,ro", mountPoint]);
    await refusesToStart(
      record,
      "broker, existing store on a read-only filesystem",
      brokerArgs(join(mountPoint, "broker")),
      /data directory .* cannot be written|read-only/i,
    );
    record.check(
      "read-only existing store: not a byte changed",
      digest(join(mountPoint, "broker")) === before,
    );
    execFileSync("mount", ["-o", "remount,rw", mountPoint]);

    // The disk fills while the broker runs.
    await stack.startBroker();
    await diskFillsWhileRunning(
      stack,
      keys,
      echoPort,
      mountPoint,
      ctx.scratchDir("newcomer"),
      record,
    );
    await stack.stop();
    record.check(
      "after the full-disk episode the store passes integrity_check",
      integrityCheck(join(mountPoint, "broker")) === "ok",
    );
  } finally {
    await stack.stop();
    echo.close();
    unmount(mountPoint);
  }
}

const CONNECT = `mutation ($s: String!, $h: String!) { connect(serviceId: $s, hostIP: $h, type: PORT_PROXY) { id } }`;
const DISCONNECT = `mutation ($c: String!) { disconnect(connectionId: $c) }`;

async function diskFillsWhileRunning(
  stack: TortureStack,
  keys: Keys,
  echoPort: number,
  mountPoint: string,
  spareDir: string,
  record: Recorder,
): Promise<void> {
  const agent = await stack.startAgent("disk", keys, [`echo=tcp:${echoPort}`]);
  const serviceId = agent.serviceIds.get("echo") as string;
  const open = await stack.connect(keys, serviceId);
  const latching = await stack.connect(keys, serviceId, "255.255.255.255");
  const filler = join(mountPoint, "filler");
  truncateWal(join(mountPoint, "broker"));
  fillDisk(filler);

  // A new device registers while the disk is full (an agent whose own data dir is
  // elsewhere). Registering a known device unchanged writes nothing, so it would not do.
  // First, before a failed write leaves the WAL file a little longer for the next one.
  const newcomer = startReachChild(
    [
      "agent",
      "--api",
      stack.apiUrl,
      "--key",
      keys.accessKeyId,
      "--secret",
      keys.secretAccessKey,
      "--name",
      "newcomer",
      "--data-dir",
      spareDir,
      "--service",
      `echo=tcp:${echoPort}`,
      "--no-p2p",
    ],
    // The race below decides how long it may take.
    { waitMs: 10 * 60_000 },
  );
  const registeredAt = newcomer.waitForLine(/^service echo /).then(
    () => true,
    () => false,
  );
  await new Promise((r) => setTimeout(r, 1500));
  const alive = stack.broker.child.exitCode === null && stack.broker.child.signalCode === null;
  record.check(
    "disk full: a device registering is turned away without taking the broker down",
    alive,
    stack.broker
      .stderr()
      .split("\n")
      .filter((line) => /could not register/i.test(line))
      .slice(-1)
      .join(" ")
      .slice(0, 300) || "the broker logged no refused registration",
  );
  if (!alive) {
    newcomer.child.kill();
    return;
  }

  const refused = await stack.api(keys, CONNECT, { s: serviceId, h: "0.0.0.0" });
  record.check(
    "disk full: connect refused with a clear error",
    !refused.data && /disk is full/i.test(refused.errors?.[0]?.message ?? ""),
    `${refused.errors?.[0]?.extensions?.code ?? "no error"}: ${refused.errors?.[0]?.message}`,
  );
  const kept = await stack.api(keys, DISCONNECT, { c: open.id });
  record.check(
    "disk full: disconnect refused with a clear error, and the connection still works",
    !kept.data &&
      /still open/i.test(kept.errors?.[0]?.message ?? "") &&
      (await echoOnce(open.port ?? 0)),
    `${kept.errors?.[0]?.extensions?.code ?? "no error"}: ${kept.errors?.[0]?.message}`,
  );
  record.check(
    "disk full: a latching proxy refuses its first visitor rather than latch unsaved",
    !(await echoOnce(latching.port ?? 0, { localAddress: "127.0.0.2" })),
  );
  const listed = await stack.api<{ login: { connections: { id: string }[] } }>(
    keys,
    "{ login { connections { id } } }",
  );
  const ids = listed.data?.login.connections.map((c) => c.id).sort() ?? [];
  record.check(
    "disk full: no connection half-made or lost, broker still answers",
    ids.join() === [open.id, latching.id].sort().join(),
    JSON.stringify(listed.data ?? listed.errors),
  );

  rmSync(filler);
  const registered = await Promise.race([
    registeredAt,
    new Promise<false>((r) => setTimeout(() => r(false), 15_000)),
  ]);
  newcomer.child.kill();
  record.check("space back: the turned-away device registers by itself", registered);
  const after = await stack.connect(keys, serviceId);
  const latched = await echoOnce(latching.port ?? 0, { localAddress: "127.0.0.3" });
  const others = await echoOnce(latching.port ?? 0, { localAddress: "127.0.0.2" });
  record.check(
    "space back: connect works, and the latching proxy latches to its next first visitor",
    (await echoOnce(after.port ?? 0)) && latched && !others,
    `new proxy ${after.port}, 127.0.0.3 ${latched ? "latched" : "refused"}, 127.0.0.2 ${others ? "admitted" : "refused"}`,
  );
  const gone = await stack.api(keys, DISCONNECT, { c: open.id });
  record.check(
    "space back: disconnect works",
    gone.data?.disconnect === true,
    JSON.stringify(gone),
  );
}

/** A real echo service for the agent to offer. */
async function startEcho(): Promise<Server> {
  const server = createServer((s) => {
    s.on("error", () => s.destroy());
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

/** Writes until the filesystem says ENOSPC, in ever smaller blocks, so no page is left. */
function fillDisk(path: string): void {
  for (const size of [64 * 1024, 4096, 512, 1]) {
    const block = Buffer.alloc(size);
    try {
      for (;;) writeFileSync(path, block, { flag: "a" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
    }
  }
}

export const scenario: Scenario = {
  name: "data-dir",
  title: "read-only and full data directories, at start and while running",
  group: "faults",
  run,
};
