// The agents' side of the listener is internet-facing too: the tunnel's control channel,
// its data connections and the on-demand relay. Forged tokens and signatures must be
// refused; a signed-in user's junk, floods, oversized messages and a hello claiming
// another user's hardware id must not touch anyone else's device or traffic.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { controlRequestHeaders } from "../../common/tunnel/control-request.js";
import {
  CONTROL_PATH,
  DATA_PATH,
  DATA_UPGRADE_PROTOCOL,
  RELAY_PATH,
  RELAY_UPGRADE_PROTOCOL,
} from "../../common/tunnel/protocol.js";
import { percentile } from "../../test-support/stats.js";
import { startTcpEcho } from "../../test-support/targets.js";
import { echoRoundTrip } from "../../test-support/tcp-load.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import { rawExchange } from "../lib/raw-http.js";
import type { Recorder, Scenario, TortureContext } from "../lib/scenario.js";
import { type Keys, TortureStack } from "../lib/stack.js";

/** The broker's listener, then its port-proxy range. */
const PORTS = claimPortBlock("hostile-tunnel", 51);
const PORT = PORTS.port(0);
const HOST = `127.0.0.1:${PORT}`;

function upgrade(path: string, protocol: string, authorization?: string): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: ${protocol}\r\n` +
    `${authorization ? `Authorization: ${authorization}\r\n` : ""}\r\n`
  );
}

/** A random token of the real ones' shape (32 bytes, base64url). */
function guessToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}

/** Opens a control channel signed with `keys` (optionally as of `date`). */
function control(keys: Keys, date = new Date()): WebSocket {
  return new WebSocket(`ws://${HOST}${CONTROL_PATH}`, {
    headers: controlRequestHeaders(keys, HOST, date),
  });
}

/** How a control channel ended: the HTTP status it was refused with, or its close code. */
function outcome(ws: WebSocket, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve("still open");
    }, timeoutMs);
    ws.on("unexpected-response", (_request, response) => {
      clearTimeout(timer);
      resolve(`HTTP ${response.statusCode}`);
      ws.terminate();
    });
    ws.on("error", () => {});
    ws.on("close", (code) => {
      clearTimeout(timer);
      resolve(`close ${code}`);
    });
  });
}

async function run(ctx: TortureContext, record: Recorder): Promise<void> {
  const echo = await startTcpEcho();
  const stack = new TortureStack({ dir: ctx.scratchDir("stack"), ports: PORTS });
  try {
    await stack.startBroker();
    const owner = stack.createUser("tunnel-owner@example.com");
    const intruder = stack.createUser("tunnel-intruder@example.com");
    const agent = await stack.startAgent("owner", owner, [`echo=tcp:${echo.port}`]);
    const proxy = await stack.connect(owner, agent.serviceIds.get("echo") as string);
    const port = proxy.port ?? 0;
    const baseline: number[] = [];
    for (let i = 0; i < 200; i++) baseline.push(await echoRoundTrip(port));

    // Forged data-connection and relay tokens: 200 guesses each, and no header at all.
    const forged = [
      upgrade(DATA_PATH, DATA_UPGRADE_PROTOCOL),
      upgrade(RELAY_PATH, RELAY_UPGRADE_PROTOCOL),
      upgrade(DATA_PATH, "websocket", `Bearer ${guessToken()}`),
      ...Array.from({ length: 200 }, () =>
        upgrade(DATA_PATH, DATA_UPGRADE_PROTOCOL, `Bearer ${guessToken()}`),
      ),
      ...Array.from({ length: 200 }, () =>
        upgrade(RELAY_PATH, RELAY_UPGRADE_PROTOCOL, `Bearer ${guessToken()}`),
      ),
    ];
    const answers = await Promise.all(forged.map((bytes) => rawExchange(PORT, bytes)));
    const refused = answers.filter((a) => a.statuses[0] === 401).length;
    record.check(
      `forged data and relay tokens: all ${forged.length} refused with 401`,
      refused === forged.length,
      `${refused} refused`,
    );
    record.figure("forged data/relay upgrades sent / refused", `${forged.length} / ${refused}`);

    // Control channels with bad signatures.
    const wrongSecret = {
      ...owner,
      secretAccessKey: Buffer.from("not the secret").toString("base64"),
    };
    const badControl = await Promise.all([
      outcome(new WebSocket(`ws://${HOST}${CONTROL_PATH}`)),
      outcome(control(wrongSecret)),
      outcome(control(owner, new Date(Date.now() - 6 * 60_000))),
      outcome(control({ ...owner, accessKeyId: "AKNOTAREALKEY0000000" })),
    ]);
    record.check(
      "unsigned, wrong-secret, 6-minute-old and unknown-key control channels refused with 401",
      badControl.every((o) => o === "HTTP 401"),
      badControl.join(", "),
    );

    // A signed-in user's junk: not a hello, an oversized message, a flood after a hello.
    const junk = control(intruder);
    junk.on("open", () => junk.send("{ not json"));
    const oversized = control(intruder);
    oversized.on("open", () => oversized.send(Buffer.alloc(1024 * 1024, 0x61)));
    const [junkEnd, oversizedEnd] = await Promise.all([outcome(junk), outcome(oversized)]);
    record.check(
      "a first message that is not a hello closes the channel (4000)",
      junkEnd === "close 4000",
      junkEnd,
    );
    record.check(
      "a 1 MiB control message closes the channel (1009, over the 256 KiB limit)",
      oversizedEnd === "close 1009",
      oversizedEnd,
    );

    // A hello claiming the owner's hardware id registers a device of the intruder's own.
    const ownerHardwareId = readFileSync(
      join(stack.options.dir, "agent-owner", "hardware-id"),
      "utf8",
    ).trim();
    const impostor = control(intruder);
    const welcome = new Promise<{ deviceId: string; services: unknown[] }>((resolve) => {
      impostor.on("message", (data) => resolve(JSON.parse(String(data))));
    });
    impostor.on("open", () =>
      impostor.send(
        JSON.stringify({
          type: "hello",
          hardwareId: ownerHardwareId,
          name: "impostor",
          services: [{ name: "echo", application: 1, port: echo.port, host: "127.0.0.1" }],
        }),
      ),
    );
    const welcomed = await welcome;
    const flooded = Date.now();
    for (let i = 0; i < 20_000; i++) impostor.send(`{"type":"junk","n":${i}}`);
    const during: number[] = [];
    for (let i = 0; i < 200; i++) during.push(await echoRoundTrip(port));
    const ownerDevices = await stack.api<{
      login: { devices: { items: { id: string; name: string; state: string }[] } };
    }>(owner, "{ login { devices { items { id name state } } } }");
    const ownerIds = ownerDevices.data?.login.devices.items.map((d) => d.id) ?? [];
    record.check(
      "a hello with another user's hardware id gets a device of its own, not theirs",
      !ownerIds.includes(welcomed.deviceId) && ownerIds.length === 1,
      `owner's devices ${ownerIds.join(",")}, impostor's ${welcomed.deviceId}`,
    );
    const ownerDevice = ownerDevices.data?.login.devices.items[0];
    record.check(
      "the owner's device stays online and its proxy carries every echo during a 20,000-message flood",
      ownerDevice?.state === "active" && during.length === 200,
      `device ${ownerDevice?.state ?? "missing"}, ${during.length} of 200 echoes`,
    );
    record.figure(
      "owner's echo p99 before / during the flood, ms",
      `${percentile(baseline, 99).toFixed(2)} / ${percentile(during, 99).toFixed(2)}`,
    );
    record.figure("flood of junk control messages, s to send", (Date.now() - flooded) / 1000);
    impostor.terminate();

    // A control channel that never says hello is dropped after 10 s.
    const silentStarted = performance.now();
    const silent = await outcome(control(intruder));
    record.check(
      "a control channel that never says hello is dropped",
      silent.startsWith("close"),
      `${silent} after ${((performance.now() - silentStarted) / 1000).toFixed(1)} s`,
    );
    record.check(
      "the broker is alive and serving",
      stack.broker.child.exitCode === null && (await echoRoundTrip(port)) >= 0,
    );
  } finally {
    await stack.stop();
    await echo.close();
  }
}

export const scenario: Scenario = {
  name: "hostile-tunnel",
  title: "The tunnel side: forged tokens and signatures, junk, floods and impostor hellos",
  group: "hostile",
  run,
};
