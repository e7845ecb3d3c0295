// kill -9 the broker while bulk transfers run and a burst of `connect` calls is in flight,
// then start it again on the same store: every acknowledged connection must be back on
// the same host, port and subdomain; none that was disconnected or expired may return;
// the store must pass integrity_check; the agent must reconnect and carry bytes again.
import { startTargetsProcess } from "../../test-support/targets-process.js";
import { download } from "../../test-support/tcp-load.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import { echoOnce, portRefuses, waitUntil } from "../lib/probes.js";
import { timedGet } from "../lib/raw-http.js";
import type { Recorder, Scenario, TortureContext } from "../lib/scenario.js";
import { integrityCheck } from "../lib/sqlite-check.js";
import { type Keys, TortureStack } from "../lib/stack.js";

interface Acked {
  id: string;
  host: string;
  port: number | null;
  url: string;
}

const LIST = `{ login { connections { id host port url reverseProxy } } }`;
/** Connections made under the first broker run expire this many seconds after creation. */
const SHORT_TIMEOUT_S = 10;
const BURST = 60;
/** The broker's listener, then its port-proxy range. */
const PORTS = claimPortBlock("broker-kill", 201);

async function activeConnections(stack: TortureStack, keys: Keys): Promise<Map<string, Acked>> {
  const reply = await stack.api<{ login: { connections: Acked[] } }>(keys, LIST);
  if (!reply.data) throw new Error(`connections: ${JSON.stringify(reply.errors)}`);
  return new Map(reply.data.login.connections.map((c) => [c.id, c]));
}

/** Fires `count` connects, four at a time; kills the broker once `killAfter` are acked. */
async function burstThenKill(
  stack: TortureStack,
  keys: Keys,
  serviceId: string,
  killAfter: number,
): Promise<{ acked: Acked[]; failed: number }> {
  const acked: Acked[] = [];
  let failed = 0;
  let next = 0;
  let killing: Promise<void> | null = null;
  const lane = async () => {
    while (next < BURST) {
      next++;
      try {
        acked.push(await stack.connect(keys, serviceId));
        if (acked.length >= killAfter && !killing) killing = stack.killBroker();
      } catch {
        failed++;
      }
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  await (killing ?? stack.killBroker());
  return { acked, failed };
}

async function run(ctx: TortureContext, record: Recorder): Promise<void> {
  const targets = await startTargetsProcess();
  const stack = new TortureStack({
    dir: ctx.scratchDir("stack"),
    ports: PORTS,
    brokerArgs: ["--timeout", String(SHORT_TIMEOUT_S)],
  });
  try {
    await stack.startBroker();
    const keys = stack.createUser("kill@example.com");
    const agent = await stack.startAgent("device", keys, [
      `echo=tcp:${targets.echo}`,
      `bulk=tcp:${targets.bulk}`,
      `web=http:${targets.http}`,
    ]);
    const echoId = agent.serviceIds.get("echo") as string;
    const bulkId = agent.serviceIds.get("bulk") as string;
    const webId = agent.serviceIds.get("web") as string;

    // Short-lived connections, then a graceful restart with long timeouts for the rest.
    const short = [await stack.connect(keys, echoId), await stack.connect(keys, echoId)];
    const shortExpiry = Date.now() + SHORT_TIMEOUT_S * 1000;
    await stack.broker.stop();
    stack.options.brokerArgs = ["--timeout", "3600"];
    await stack.startBroker();
    await waitUntil(() => echoOnce(short[0]?.port ?? 0), 15_000);

    const kept: Acked[] = [];
    for (let i = 0; i < 16; i++) kept.push(await stack.connect(keys, echoId));
    for (let i = 0; i < 4; i++)
      kept.push(await stack.connect(keys, webId, "0.0.0.0", "REVERSE_PROXY"));
    const transfers: Acked[] = [];
    for (let i = 0; i < 4; i++) transfers.push(await stack.connect(keys, bulkId));
    const disconnected = [kept.splice(0, 3), kept.splice(-1, 1)].flat();
    for (const c of disconnected) {
      await stack.api(keys, `mutation ($c: String!) { disconnect(connectionId: $c) }`, { c: c.id });
    }

    const rounds = ctx.quick ? 1 : 3;
    const reconnectMs: number[] = [];
    const downSeconds: number[] = [];
    let ackedTotal = 0;
    let unackedBack = 0;
    for (let round = 1; round <= rounds; round++) {
      // Transfers of 2 GiB each: still streaming when the broker dies.
      const streaming = transfers.map((t) =>
        download(t.port ?? 0, 2 * 1024 ** 3).then(
          () => "finished",
          () => "cut",
        ),
      );
      await new Promise((r) => setTimeout(r, 300));
      const killedAt = performance.now();
      const burst = await burstThenKill(stack, keys, echoId, BURST / 3);
      const ends = await Promise.race([
        Promise.all(streaming),
        new Promise<string[]>((r) => setTimeout(() => r(["hung"]), 5000)),
      ]);
      record.check(
        `round ${round}: every transfer ended with the broker (none hung, none claimed complete)`,
        ends.every((e) => e === "cut"),
        `${ends.join(", ")} within ${(performance.now() - killedAt).toFixed(0)} ms`,
      );
      ackedTotal += burst.acked.length;
      kept.push(...burst.acked);

      const integrity = integrityCheck(stack.brokerDataDir);
      record.check(`round ${round}: store passes integrity_check`, integrity === "ok", integrity);

      if (round === 1) {
        const wait = shortExpiry - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait + 300));
      }
      downSeconds.push((performance.now() - killedAt) / 1000);
      const restartStarted = performance.now();
      await stack.startBroker();
      const readyMs = performance.now() - restartStarted;
      const firstByte = await waitUntil(
        () => echoOnce(kept[0]?.port ?? 0, { timeoutMs: 500 }),
        30_000,
      );
      record.check(`round ${round}: agent reconnected and bytes flow`, firstByte !== null);
      if (firstByte !== null) reconnectMs.push(readyMs + firstByte);

      const active = await activeConnections(stack, keys);
      const missing = kept.filter((c) => {
        const now = active.get(c.id);
        return !now || now.host !== c.host || now.port !== c.port || now.url !== c.url;
      });
      record.check(
        `round ${round}: all ${kept.length + transfers.length} acknowledged connections back on the same host/port/subdomain`,
        missing.length === 0 && transfers.every((t) => active.has(t.id)),
        missing.length ? `missing or moved: ${missing.map((m) => m.url).join(" ")}` : undefined,
      );
      const revived = [...disconnected, ...short].filter((c) => active.has(c.id));
      record.check(
        `round ${round}: no disconnected or expired connection came back`,
        revived.length === 0,
        revived.map((c) => c.url).join(" ") || undefined,
      );
      const known = new Set([...kept, ...transfers].map((c) => c.id));
      unackedBack += [...active.keys()].filter((id) => !known.has(id)).length;
      for (const c of [...active.values()].filter((c) => !known.has(c.id))) kept.push(c);

      const ports = kept.filter((c) => c.port !== null);
      const passing = await Promise.all(ports.map((c) => echoOnce(c.port ?? 0)));
      const webs = await Promise.all(
        kept.filter((c) => c.port === null).map((c) => timedGet(stack.port, c.host, "/", 3000)),
      );
      record.check(
        `round ${round}: every restored proxy carries bytes`,
        passing.every(Boolean) && webs.every((w) => w.status === 200),
        `${passing.filter(Boolean).length}/${ports.length} port proxies echo, ${webs.filter((w) => w.status === 200).length}/${webs.length} reverse proxies answer 200`,
      );
      // A released port may rightly go to a later connection; only unclaimed ones must refuse.
      const inUse = new Set([...active.values()].map((c) => c.port));
      const closedPorts = await Promise.all(
        [...disconnected, ...short]
          .filter((c) => c.port !== null && !inUse.has(c.port))
          .map((c) => portRefuses(c.port ?? 0)),
      );
      const goneHosts = await Promise.all(
        disconnected
          .filter((c) => c.port === null)
          .map((c) => timedGet(stack.port, c.host, "/", 3000)),
      );
      record.check(
        `round ${round}: ended connections' ports and hosts stay shut`,
        closedPorts.every(Boolean) && goneHosts.every((g) => g.status !== 200),
        `${closedPorts.filter(Boolean).length}/${closedPorts.length} ports refuse, hosts answer ${goneHosts.map((g) => g.status).join(",")}`,
      );
    }
    record.figure("connects acknowledged during the kill bursts", ackedTotal);
    record.figure("connects in flight at the kill that came back anyway", unackedBack);
    record.figure(
      "restart to first byte through a restored proxy, ms (worst round)",
      Math.max(...reconnectMs),
    );
    record.figure(
      "restart to first byte, ms (each round; the agent's backoff grows while the broker is down)",
      reconnectMs.map((m) => m.toFixed(0)).join(", "),
    );
    record.figure("broker down, s (each round)", downSeconds.map((d) => d.toFixed(1)).join(", "));
  } finally {
    await stack.stop();
    targets.stop();
  }
}

export const scenario: Scenario = {
  name: "broker-kill",
  title: "kill -9 the broker during transfers and a connect burst, then restart it",
  group: "faults",
  run,
};
