// On-demand connections from the command line, with real processes: a broker, a user from
// `admin create-user`, an agent in front of a TCP echo service, then `reach connection
// add/set/list/remove` editing a store file while `reach up` listens and follows it.
// P2P stays on loopback: the agent and `up` gather candidates on 127.0.0.1 only. Linux
// routes all of 127/8 to loopback: 127.0.0.2 and 127.0.0.3 play two LAN machines.

import assert from "node:assert/strict";
import { once } from "node:events";
import { access, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CliSession, cliSession } from "../../test-support/cli-session.js";
import type { WatchedChild } from "../../test-support/processes.js";
import { eventually, freePort, tempDir } from "../../test-support/stack.js";
import { startTcpEcho, type TcpEcho } from "../../test-support/targets.js";
import { echoThrough, probe, randomPayload, sha256 } from "../../test-support/visitors.js";

interface Described {
  id: string;
  serviceId: string;
  serviceName: string;
  deviceName: string;
  name: string;
  port: number;
  route: string;
  bind: string;
  restrict: string;
  latchedIp: string | null;
  enabled: boolean;
  idleTimeout: number;
  address: string;
  launch: string;
}

/** `list --json`'s live state of a connection, from a running `reach up` (null without one). */
interface Live {
  status: string;
  path: "p2p" | "relay" | "none";
  since: string | null;
  lastFailure: { at: string; reason: string } | null;
}

let cli: CliSession;
const reach = (...args: string[]) => cli.reach(...args);

/** "refused" once nothing listens on the port any more. */
function tryConnect(port: number): Promise<"connected" | "refused"> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", () => resolve("refused"));
  });
}

describe("reach connection and reach up (real processes)", { timeout: 180_000 }, () => {
  let workDir = "";
  let store = "";
  let echo: TcpEcho | undefined;
  let serviceId = "";
  let up: WatchedChild | undefined;
  let agent: WatchedChild | undefined;
  /** Connections added below: `first` carries the echo, `second` is removed while up runs. */
  let first: Described | undefined;
  let second: Described | undefined;

  /** The credential and store flags every connection command here takes. */
  const account = () => ["--profile", "od", "--store", store];

  before(async () => {
    workDir = await tempDir("reach-od-cli-");
    store = join(workDir, "on-demand.json");
    cli = cliSession(workDir);
    const brokerDataDir = join(workDir, "broker");
    const { port: brokerPort } = await cli.startBroker(brokerDataDir);
    const user = await reach(
      "admin",
      "create-user",
      "od@example.com",
      "--data-dir",
      brokerDataDir,
      "--json",
      "--profile",
      "od",
      "--api-url",
      `http://127.0.0.1:${brokerPort}/graphql/v1`,
    );
    assert.equal(user.code, 0, user.stderr);
    echo = await startTcpEcho();
    agent = cli.start([
      "agent",
      "--profile",
      "od",
      "--name",
      "od-box",
      "--data-dir",
      join(workDir, "agent"),
      "--service",
      `echo=tcp:${echo.port}`,
      "--p2p-bind",
      "127.0.0.1",
    ]);
    const [, id] = await agent.waitForLine(/^service echo (\S+)$/);
    serviceId = id ?? "";
  });

  after(async () => {
    await cli?.stop();
    await echo?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("connection add --json prints the connection, with its address and launch command", async () => {
    const result = await reach("connection", "add", serviceId, ...account(), "--json");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^[^\n]+\n$/, "stdout is exactly one line");
    first = JSON.parse(result.stdout) as Described;
    assert.equal(first.serviceId, serviceId);
    assert.equal(first.serviceName, "echo");
    assert.equal(first.deviceName, "od-box");
    assert.ok(first.port >= 33000 && first.port <= 42999, `port ${first.port}`);
    assert.equal(first.address, `127.0.0.1:${first.port}`);
    assert.equal(first.launch, `127.0.0.1:${first.port}`, "a tcp service's launch is its address");
    assert.deepEqual(
      [first.name, first.route, first.bind, first.restrict, first.enabled, first.idleTimeout],
      ["echo", "adaptive", "127.0.0.1", "none", true, 900],
    );
    assert.ok((await readFile(store, "utf8")).includes(first.id), "the store holds it");
  });

  it("connection add prints the address, the launch command and the id", async () => {
    const port = await freePort();
    const result = await reach(
      "connection",
      "add",
      serviceId,
      ...account(),
      "--port",
      String(port),
      "--no-p2p",
      "--idle-timeout",
      "60",
    );
    assert.equal(result.code, 0, result.stderr);
    const id = /\(id ([0-9a-f-]{36})\)/.exec(result.stdout)?.[1];
    assert.ok(id, result.stdout);
    assert.match(
      result.stdout,
      new RegExp(`^Added echo on od-box at 127\\.0\\.0\\.1:${port} `, "m"),
    );
    assert.match(result.stdout, new RegExp(`^Use it: 127\\.0\\.0\\.1:${port}$`, "m"));
    const address = `127.0.0.1:${port}`;
    second = {
      ...(first as Described),
      id,
      port,
      address,
      launch: address,
      route: "proxy",
      idleTimeout: 60,
    };
  });

  it("connection list shows both, as JSON and as a table", async () => {
    assert.ok(first && second, "needs the connections added above");
    const json = await reach("connection", "list", ...account(), "--json");
    assert.equal(json.code, 0, json.stderr);
    const listed = JSON.parse(json.stdout) as (Described & { live: Live | null })[];
    assert.deepEqual(
      listed.map((c) => [c.id, c.port, c.route, c.idleTimeout]),
      [
        [first.id, first.port, "adaptive", 900],
        [second.id, second.port, "proxy", 60],
      ],
    );
    assert.deepEqual(listed[1], { ...second, live: null }, "--json has every stored field");
    const text = await reach("connection", "list", ...account());
    assert.equal(text.code, 0, text.stderr);
    const [header, ...rows] = text.stdout.trimEnd().split("\n");
    assert.match(
      header ?? "",
      /^ID\s+NAME\s+DEVICE\s+ROUTE\s+ADDRESS\s+RESTRICT\s+IDLE TIMEOUT\s+ENABLED\s+PATH\s+SINCE\s+LAST FAILURE$/,
    );
    assert.equal(rows.length, 3);
    assert.match(
      rows[1] ?? "",
      new RegExp(
        `^${second.id}\\s+echo\\s+od-box\\s+proxy\\s+127\\.0\\.0\\.1:${second.port}\\s+none\\s+60s\\s+yes\\s+-\\s+-\\s+-$`,
      ),
    );
    assert.equal(rows[2], "reach up is not running: no live path to show.");
  });

  it("reach up listens; a local connect echoes byte-exact over P2P", async () => {
    assert.ok(first && second, "needs the connections added above");
    up = cli.start([
      "up",
      ...account(),
      "--p2p-bind",
      "127.0.0.1",
      // Generous, so a loaded machine still opens P2P rather than failing over.
      "--p2p-wait",
      "20000",
    ]);
    await up.waitForLine(new RegExp(`^127\\.0\\.0\\.1:${first.port} → echo on od-box `));
    await up.waitForLine(new RegExp(`^127\\.0\\.0\\.1:${second.port} → echo on od-box `));
    const payload = randomPayload(1024 * 1024);
    const back = await echoThrough(first.port, "127.0.0.1", payload);
    assert.equal(back.length, payload.length);
    assert.equal(sha256(back), sha256(payload));
    await up.waitForLine(
      new RegExp(`^127\\.0\\.0\\.1:${first.port} echo on od-box: connected via P2P$`),
    );
  });

  it("a connection without P2P goes through the relay, and up says so", async () => {
    assert.ok(up && second, "needs reach up from above");
    const payload = randomPayload(64 * 1024);
    const back = await echoThrough(second.port, "127.0.0.1", payload);
    assert.equal(sha256(back), sha256(payload));
    const [line] = await up.waitForLine(
      new RegExp(`^127\\.0\\.0\\.1:${second.port} echo on od-box: connected via Proxy.*$`),
    );
    assert.match(line, /Peer to peer is off/);
  });

  it("connection list shows each connection's live path, since when and the last failure, from up", async () => {
    assert.ok(up && first && second, "needs reach up and both connections from above");
    const byId = async () => {
      const json = await reach("connection", "list", ...account(), "--json");
      assert.equal(json.code, 0, json.stderr);
      const listed = JSON.parse(json.stdout) as (Described & { live: Live | null })[];
      return new Map(listed.map((c) => [c.id, c.live]));
    };
    // up writes its file when a view changes: the relay connection's line above came first.
    let live = await byId();
    await eventually(async () => {
      live = await byId();
      return live.get(second?.id ?? "")?.path === "relay";
    }, 10_000);
    const p2p = live.get(first.id);
    assert.equal(p2p?.status, "connected");
    assert.equal(p2p?.path, "p2p");
    assert.ok(p2p?.since && !Number.isNaN(Date.parse(p2p.since)), `since ${p2p?.since}`);
    const relay = live.get(second.id);
    assert.equal(relay?.path, "relay");
    // The relay connection never tried P2P (it is off for it), so nothing failed.
    assert.equal(relay?.lastFailure, null);
    const text = await reach("connection", "list", ...account());
    assert.equal(text.code, 0, text.stderr);
    const row = text.stdout.split("\n").find((r) => r.startsWith(first?.id ?? "-"));
    assert.match(row ?? "", /\s+yes\s+p2p\s+\d\d:\d\d:\d\dZ\s+-$/);
    assert.doesNotMatch(text.stdout, /not running/);
  });

  it("connection set moves a port: up listens on the new one, the old one closes", async () => {
    assert.ok(up && second, "needs reach up from above");
    const from = up.lines.length;
    const moved = await freePort();
    const result = await reach(
      "connection",
      "set",
      second.id,
      ...account(),
      "--port",
      String(moved),
      "--name",
      "relayed",
      "--idle-timeout",
      "30",
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      `Changed relayed (echo on od-box): 127.0.0.1:${moved}, proxy, restrict none, idle timeout 30s, enabled\n`,
    );
    await up.waitForLine(
      new RegExp(`^127\\.0\\.0\\.1:${moved} → relayed \\(echo on od-box\\) `),
      from,
    );
    const payload = randomPayload(64 * 1024);
    assert.equal(sha256(await echoThrough(moved, "127.0.0.1", payload)), sha256(payload));
    assert.equal(await tryConnect(second.port), "refused");
    second = {
      ...second,
      port: moved,
      address: `127.0.0.1:${moved}`,
      launch: `127.0.0.1:${moved}`,
    };
  });

  it("connection set shares it on the LAN with one IP: up lets 127.0.0.2 in, refuses 127.0.0.3", async () => {
    assert.ok(up && second, "needs reach up from above");
    const from = up.lines.length;
    const result = await reach(
      "connection",
      "set",
      second.id,
      ...account(),
      "--bind",
      "0.0.0.0",
      "--restrict",
      "127.0.0.2",
      "--json",
    );
    assert.equal(result.code, 0, result.stderr);
    const changed = JSON.parse(result.stdout) as Described;
    assert.deepEqual(
      [changed.bind, changed.restrict, changed.address],
      ["0.0.0.0", "127.0.0.2", `0.0.0.0:${second.port}`],
    );
    await up.waitForLine(
      new RegExp(
        `^0\\.0\\.0\\.0:${second.port} → relayed \\(echo on od-box\\) .*restrict 127\\.0\\.0\\.2\\)$`,
      ),
      from,
    );
    const payload = randomPayload(4096);
    assert.equal(sha256(await echoThrough(second.port, "127.0.0.2", payload)), sha256(payload));
    assert.equal(await probe(second.port, "127.0.0.3"), "closed");
    await up.waitForLine(
      new RegExp(
        `^0\\.0\\.0\\.0:${second.port} relayed \\(echo on od-box\\): refused a client \\(restrict 127\\.0\\.0\\.2; 1 so far\\)$`,
      ),
      from,
    );
    const text = await reach("connection", "list", ...account());
    assert.match(
      text.stdout,
      new RegExp(
        `^${second.id}\\s+relayed\\s+od-box\\s+proxy\\s+0\\.0\\.0\\.0:${second.port}\\s+127\\.0\\.0\\.2\\s+30s\\s+yes\\s+(p2p|relay|none)\\s.*$`,
        "m",
      ),
    );
  });

  it("connection set --restrict latching: the first machine latches, list shows it", async () => {
    assert.ok(up && second, "needs reach up from above");
    const from = up.lines.length;
    const result = await reach(
      "connection",
      "set",
      second.id,
      ...account(),
      "--restrict",
      "latching",
    );
    assert.equal(result.code, 0, result.stderr);
    await up.waitForLine(/relayed \(echo on od-box\): restrict latching from now on/, from);
    assert.equal(await probe(second.port, "127.0.0.3"), "echoed");
    await up.waitForLine(/: latched to 127\.0\.0\.3; other clients are refused$/, from);
    assert.equal(await probe(second.port, "127.0.0.2"), "closed");
    await eventually(async () =>
      (await readFile(store, "utf8")).includes('"latchedIp": "127.0.0.3"'),
    );
    const text = await reach("connection", "list", ...account());
    assert.match(
      text.stdout,
      new RegExp(
        `^${second.id}\\s.*\\slatched to 127\\.0\\.0\\.3\\s+30s\\s+yes\\s+(p2p|relay|none)\\s.*$`,
        "m",
      ),
    );
  });

  it("connection set --disable: up stops listening; --enable: it listens again", async () => {
    assert.ok(up && second, "needs reach up from above");
    let from = up.lines.length;
    const off = await reach("connection", "set", second.id, ...account(), "--disable");
    assert.equal(off.code, 0, off.stderr);
    await up.waitForLine(
      new RegExp(`^0\\.0\\.0\\.0:${second.port} relayed \\(echo on od-box\\): off, not listening$`),
      from,
    );
    assert.equal(await tryConnect(second.port), "refused");
    const listed = await reach("connection", "list", ...account());
    assert.match(listed.stdout, new RegExp(`^${second.id}\\s.*\\s+no\\s+none\\s.*$`, "m"));
    from = up.lines.length;
    const on = await reach("connection", "set", second.id, ...account(), "--enable");
    assert.equal(on.code, 0, on.stderr);
    await up.waitForLine(new RegExp(`^0\\.0\\.0\\.0:${second.port} → relayed `), from);
    assert.equal(await probe(second.port, "127.0.0.3"), "echoed", "the latch was kept");
  });

  it("connection add refuses a port up already holds, or one another program holds", async () => {
    assert.ok(first && echo, "needs the connection above");
    const taken = await reach(
      "connection",
      "add",
      serviceId,
      ...account(),
      "--port",
      String(first.port),
    );
    assert.notEqual(taken.code, 0);
    assert.equal(taken.stdout, "");
    assert.equal(
      taken.stderr,
      `reach: Port ${first.port} already belongs to another on-demand connection.\n`,
    );
    const busy = await reach(
      "connection",
      "add",
      serviceId,
      ...account(),
      "--port",
      String(echo.port),
    );
    assert.notEqual(busy.code, 0);
    assert.equal(
      busy.stderr,
      `reach: Port ${echo.port} on 127.0.0.1 is in use by another program: choose another port.\n`,
    );
  });

  it("bad input is one clear line and a non-zero exit", async () => {
    const cases: [string[], RegExp][] = [
      [["connection", "add", "80:00:00:00:00:00:00:00", ...account()], /no service with id/],
      [
        ["connection", "add", serviceId, ...account(), "--no-p2p", "--no-failover"],
        /leaves no path/,
      ],
      [
        ["connection", "remove", "no-such-id", ...account()],
        /no on-demand connection with id "no-such-id"/,
      ],
      [
        ["connection", "add", serviceId, ...account(), "--route", "adaptive", "--no-p2p"],
        /^reach: --route adaptive conflicts with --no-p2p, which means --route proxy: give one of them\.\n$/,
      ],
      [
        ["connection", "add", serviceId, ...account(), "--bind", "192.0.2.1"],
        /^reach: Bind address 192\.0\.2\.1 is not an address of this computer: use 0\.0\.0\.0 \(all addresses\) or one of 127\.0\.0\.1/,
      ],
      [
        ["connection", "add", serviceId, ...account(), "--restrict", "10.0.0.0/33"],
        /^reach: Local network security "10\.0\.0\.0\/33" is not a valid subnet/,
      ],
      [
        ["connection", "set", first?.id ?? "", ...account()],
        /^reach: Nothing to change: give --name/,
      ],
      [
        ["connection", "set", first?.id ?? "", ...account(), "--enable", "--disable"],
        /--enable and --disable contradict each other/,
      ],
      [
        ["connection", "set", first?.id ?? "", ...account(), "--restrict", "anyone"],
        /"anyone" is not valid: use "none", "latching"/,
      ],
      [
        ["connection", "set", first?.id ?? "", ...account(), "--port", String(second?.port)],
        /already belongs to another on-demand connection/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await reach(...args);
      assert.notEqual(result.code, 0, args.join(" "));
      assert.match(result.stderr, /^reach: [^\n]+\n$/, result.stderr);
      assert.match(result.stderr, message);
    }
    // A flag's value commander refuses: its own "error: option …" line, then the usage.
    const flagCases: [string[], RegExp][] = [
      [
        ["connection", "add", serviceId, ...account(), "--route", "public"],
        /public is the desktop app's public proxy, which has no local port: here use adaptive, p2p or proxy/,
      ],
      [["connection", "add", serviceId, ...account(), "--route", "fast"], /--route takes adaptive/],
      [
        ["connection", "add", serviceId, ...account(), "--port", "70000"],
        /--port takes a TCP port/,
      ],
    ];
    for (const [args, message] of flagCases) {
      const result = await reach(...args);
      assert.notEqual(result.code, 0, args.join(" "));
      assert.match(result.stderr, message);
    }
    const listed = JSON.parse((await reach("connection", "list", ...account(), "--json")).stdout);
    assert.equal(listed.length, 2, "nothing was added by the failures");
  });

  it("connection remove: up notices the store change and stops listening on that port", async () => {
    assert.ok(up && first && second, "needs reach up from above");
    const from = up.lines.length;
    const result = await reach("connection", "remove", second.id, ...account());
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`^Removed relayed \\(echo on od-box\\) at 0\\.0\\.0\\.0:${second.port}$`, "m"),
    );
    await up.waitForLine(
      new RegExp(
        `^0\\.0\\.0\\.0:${second.port} relayed \\(echo on od-box\\): removed, no longer listening$`,
      ),
      from,
    );
    assert.equal(await tryConnect(second.port), "refused");
    assert.equal(await tryConnect(first.port), "connected", "the other one still listens");
  });

  it("connection add while up runs: up starts listening on the new port", async () => {
    assert.ok(up, "needs reach up from above");
    const from = up.lines.length;
    const result = await reach("connection", "add", serviceId, ...account(), "--json");
    assert.equal(result.code, 0, result.stderr);
    const added = JSON.parse(result.stdout) as Described;
    await up.waitForLine(new RegExp(`^127\\.0\\.0\\.1:${added.port} → echo on od-box `), from);
    const payload = randomPayload(4096);
    assert.equal(sha256(await echoThrough(added.port, "127.0.0.1", payload)), sha256(payload));
  });

  it("connection add takes the name, route, bind, restriction and switch", async () => {
    assert.ok(up, "needs reach up from above");
    const from = up.lines.length;
    const result = await reach(
      "connection",
      "add",
      serviceId,
      ...account(),
      "--name",
      "shared echo",
      "--route",
      "p2p",
      "--bind",
      "0.0.0.0",
      "--restrict",
      "127.0.0.0/30",
      "--idle-timeout",
      "0",
      "--disable",
      "--json",
    );
    assert.equal(result.code, 0, result.stderr);
    const added = JSON.parse(result.stdout) as Described;
    assert.deepEqual(
      [added.name, added.route, added.bind, added.restrict, added.idleTimeout, added.enabled],
      ["shared echo", "p2p", "0.0.0.0", "127.0.0.0/30", 0, false],
    );
    assert.equal(added.address, `0.0.0.0:${added.port}`);
    await up.waitForLine(
      new RegExp(
        `^0\\.0\\.0\\.0:${added.port} shared echo \\(echo on od-box\\): off, not listening$`,
      ),
      from,
    );
    assert.equal(await tryConnect(added.port), "refused");
    const text = await reach("connection", "list", ...account());
    assert.match(
      text.stdout,
      new RegExp(
        `^${added.id}\\s+shared echo\\s+od-box\\s+p2p\\s+0\\.0\\.0\\.0:${added.port}\\s+127\\.0\\.0\\.0/30\\s+never\\s+no\\s+none\\s+-\\s+-$`,
        "m",
      ),
    );
  });

  it("the agent killed: list shows the P2P path gone and the failure, within the keepalive's bound", async () => {
    assert.ok(up && agent && first, "needs reach up, the agent and the first connection");
    const liveOfFirst = async () => {
      const json = await reach("connection", "list", ...account(), "--json");
      const listed = JSON.parse(json.stdout) as (Described & { live: Live | null })[];
      return listed.find((c) => c.id === first?.id)?.live ?? null;
    };
    assert.equal((await liveOfFirst())?.path, "p2p");
    const exited = once(agent.child, "exit");
    agent.child.kill("SIGKILL");
    await exited;
    let live: Live | null = null;
    // 3 s for the keepalive, plus the CLI's own start on a loaded machine.
    await eventually(async () => {
      live = await liveOfFirst();
      return live?.path !== "p2p";
    }, 3_000 + 5_000);
    assert.match((live as Live | null)?.lastFailure?.reason ?? "", /P2P/);
    const text = await reach("connection", "list", ...account());
    const row = text.stdout.split("\n").find((r) => r.startsWith(first?.id ?? "-"));
    assert.match(row ?? "", /\s+(relay|none)\s+\d\d:\d\d:\d\dZ\s+\d\d:\d\d:\d\dZ P2P/);
  });

  it("up stops cleanly on SIGTERM, closing its listeners", async () => {
    assert.ok(up && first, "needs reach up from above");
    const exited = once(up.child, "exit");
    up.child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, up.stderr());
    assert.equal(await tryConnect(first.port), "refused");
    // Its live-state file goes with it: `connection list` says up is not running.
    await assert.rejects(access(join(workDir, "on-demand.up.json")));
    const text = await reach("connection", "list", ...account());
    assert.match(text.stdout, /^reach up is not running: no live path to show\.$/m);
  });
});
