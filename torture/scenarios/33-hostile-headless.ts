// The headless desktop app as users start it (`reach desktop --headless --local`), under a
// scratch HOME, probed the way a hostile web page or a DNS-rebound name would: HTTP and
// WebSocket requests without the token, with a wrong one, from a foreign Origin, from
// `Origin: null`, and with a Host that is not loopback. The API must refuse all of them
// and still serve the real link.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { killHard, startReachChild, type WatchedChild } from "../../test-support/processes.js";
import { httpProbe, refusesOn, wsCall, wsProbe } from "../lib/headless-probes.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import type { Recorder, Scenario, TortureContext } from "../lib/scenario.js";

/** The headless app's listener. */
const PORT = claimPortBlock("hostile-headless", 1).port(0);
const EVIL = "http://evil.example";

interface Started extends WatchedChild {
  link: string;
  brokerUrl: string;
}

/** Starts the headless app and waits (at most two minutes: it may build the renderer). */
async function startHeadlessProcess(home: string): Promise<Started> {
  const app = startReachChild(
    [
      "desktop",
      "--headless",
      "--local",
      "--port",
      String(PORT),
      // Any free port: a fixed one could clash with another broker on this machine.
      "--broker-port",
      "0",
      "--data-dir",
      join(home, "desktop"),
    ],
    // HOME moves everything the app and its local broker keep (~/.reach) into scratch.
    { env: { HOME: home, REACH_CREDENTIALS: undefined }, waitMs: 120_000 },
  );
  try {
    const [, link] = await app.waitForLine(/Reach is running headless\. Open (\S+)/);
    const [, brokerUrl] = await app.waitForLine(/Local broker on (\S+)/);
    return Object.assign(app, { link: link as string, brokerUrl: brokerUrl as string });
  } catch (error) {
    await killHard(app.child);
    throw error;
  }
}

async function run(ctx: TortureContext, record: Recorder): Promise<void> {
  const home = ctx.scratchDir("home");
  const app = await startHeadlessProcess(home);
  try {
    const token = new URL(app.link).searchParams.get("token") ?? "";
    const self = `127.0.0.1:${PORT}`;
    const origin = `http://${self}`;
    record.check(
      "the printed link is on 127.0.0.1 with a long token",
      app.link.startsWith(`${origin}/?token=`) && token.length >= 32,
      `${app.link.replace(token, "<token>")} (token ${token.length} characters)`,
    );
    record.check(
      "the app and its local broker keep their state under the scratch HOME",
      existsSync(join(home, ".reach", "broker")) && existsSync(join(home, ".reach", "credentials")),
      `broker at ${app.brokerUrl}`,
    );
    const brokerPort = Number(new URL(app.brokerUrl).port);
    const elsewhere = await Promise.all([
      refusesOn("127.0.0.2", PORT),
      refusesOn("127.0.0.2", brokerPort),
    ]);
    record.check(
      "headless server and local broker listen on 127.0.0.1 only",
      elsewhere.every(Boolean),
      `127.0.0.2:${PORT} ${elsewhere[0] ? "refused" : "ACCEPTED"}, 127.0.0.2:${brokerPort} ${elsewhere[1] ? "refused" : "ACCEPTED"}`,
    );

    // What must work: the page and the API with the right token, Origin and Host.
    const page = await httpProbe(PORT, `/?token=${token}`, { host: self });
    const api = `ws://${self}/api?token=${encodeURIComponent(token)}`;
    const good = await wsProbe(api, { origin });
    const state = good.socket ? await wsCall(good.socket, "getState") : { ok: false };
    good.socket?.close();
    const viaLocalhost = await wsProbe(api, {
      host: `localhost:${PORT}`,
      origin: `http://localhost:${PORT}`,
    });
    viaLocalhost.socket?.close();
    const works = record.check(
      "the right token, Origin and Host work (page 200, API answers getState)",
      page.status === 200 && page.body.includes("<html") && state.ok && viaLocalhost.opened,
      `page ${page.status}, API ${good.status} getState ${state.ok ? "ok" : "failed"}, localhost ${viaLocalhost.status}`,
    );
    if (!works) return;

    // The static page is the public renderer bundle: served without the token, but never
    // with the token in it or a CORS grant that would let another origin read it.
    const tokenless = await httpProbe(PORT, "/", { host: self });
    record.check(
      "the page without a token carries no token and no CORS grant",
      tokenless.status === 200 &&
        !tokenless.body.includes(token) &&
        tokenless.headers["access-control-allow-origin"] === undefined,
      `${tokenless.status}, access-control-allow-origin ${tokenless.headers["access-control-allow-origin"] ?? "absent"}`,
    );

    const attempts = { HTTP: { sent: 0, refused: 0 }, WebSocket: { sent: 0, refused: 0 } };
    const codes: number[] = [];
    const refused = (kind: "HTTP" | "WebSocket", name: string, status: number, ok: boolean) => {
      codes.push(status);
      attempts[kind].sent++;
      if (ok) attempts[kind].refused++;
      record.check(`refused: ${kind} ${name}`, ok, String(status || "closed"));
    };
    const http = async (
      name: string,
      path: string,
      headers: Record<string, string>,
      method?: string,
    ) => {
      const reply = await httpProbe(PORT, path, headers, method);
      refused(
        "HTTP",
        name,
        reply.status,
        reply.status >= 400 &&
          reply.status < 500 &&
          !reply.body.includes("<html") &&
          !reply.body.includes("root:"),
      );
    };
    const rebound = `evil.example:${PORT}`;
    await http("rebinding Host", "/", { host: rebound });
    await http("rebinding Host with the token", `/?token=${token}`, { host: rebound });
    await http("rebinding Host without port", "/", { host: "evil.example" });
    await http("foreign Origin", "/", { host: self, origin: EVIL });
    await http("Origin: null", "/", { host: self, origin: "null" });
    await http("foreign Origin with the token", `/?token=${token}`, { host: self, origin: EVIL });
    await http("POST from a foreign Origin", "/", { host: self, origin: EVIL }, "POST");
    await http("POST with the right Origin", "/api", { host: self, origin }, "POST");
    await http("API over plain HTTP, no token", "/api", { host: self });
    await http("API over plain HTTP, with the token", `/api?token=${token}`, {
      host: self,
      origin,
    });
    for (const path of [
      "/../../../../etc/passwd",
      "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/..%2f..%2f..%2f..%2fetc%2fpasswd",
      "/assets/..%5c..%5c..%5cetc%5cpasswd",
    ]) {
      await http(`path ${path}`, path, { host: self });
    }

    const ws = async (name: string, url: string, headers: Record<string, string>) => {
      const probe = await wsProbe(url, headers);
      probe.socket?.close();
      refused("WebSocket", name, probe.status, !probe.opened && probe.status === 403);
    };
    const wrong = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    await ws("without a token", `ws://${self}/api`, { origin });
    await ws("with an empty token", `ws://${self}/api?token=`, { origin });
    await ws("with a wrong token (same length)", `ws://${self}/api?token=${wrong}`, { origin });
    await ws("with a token prefix", `ws://${self}/api?token=${token.slice(0, 8)}`, { origin });
    await ws("with the token under another name", `ws://${self}/api?TOKEN=${token}`, { origin });
    await ws("with the token, no Origin", api, {});
    await ws("with the token, foreign Origin", api, { origin: EVIL });
    await ws("with the token, Origin: null", api, { origin: "null" });
    await ws("with the token, look-alike Origin", api, { origin: `${origin}.evil.example` });
    await ws("with the token, https Origin", api, { origin: `https://${self}` });
    await ws("with the token, another loopback port's Origin", api, {
      origin: "http://127.0.0.1:9",
    });
    await ws("with the token, rebinding Host", api, { host: rebound, origin });
    await ws("with the token, rebinding Host and Origin", api, {
      host: rebound,
      origin: `http://${rebound}`,
    });
    await ws("with the token, another path", `ws://${self}/api2?token=${token}`, { origin });

    const byStatus = new Map<number, number>();
    for (const c of codes) byStatus.set(c, (byStatus.get(c) ?? 0) + 1);
    for (const [kind, tally] of Object.entries(attempts)) {
      record.figure(`${kind} attempts / refused`, `${tally.sent} / ${tally.refused}`);
    }
    record.figure(
      "refusals by status",
      [...byStatus].map(([s, n]) => `${n}× ${s || "closed"}`).join(", "),
    );

    const after = await wsProbe(api, { origin });
    const stillOk = after.socket ? await wsCall(after.socket, "getState") : { ok: false };
    after.socket?.close();
    record.check(
      "after the attempts the real link still drives the API",
      stillOk.ok && app.child.exitCode === null,
      `${after.status}, getState ${stillOk.ok ? "ok" : "failed"}`,
    );
  } finally {
    await app.stop();
  }
}

export const scenario: Scenario = {
  name: "hostile-headless",
  title: "Headless app against foreign origins, rebinding hosts and wrong tokens",
  group: "hostile",
  run,
};
