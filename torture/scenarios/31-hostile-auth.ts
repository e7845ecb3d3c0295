// Hostile authentication against a real broker: missing, garbled, forged, stale and
// misdirected R3 signatures, a real client's signature replayed on other bodies, and a
// second user with a valid key aiming at the first user's connection, services and peer
// session. Everything must be refused, another user's ids must be answered exactly as
// ids that do not exist, and nothing may change.
import { startHttpTarget, startTcpEcho } from "../../test-support/targets.js";
import { authAttempts, captureSigned, LOGIN, padTo, replayAttempts } from "../lib/auth-attempts.js";
import { connectionRows, isAlive } from "../lib/broker-watch.js";
import { isolationProbes, withoutIds } from "../lib/isolation-probes.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import { gql, type RawReply, sendRaw, sendSigned, signFor } from "../lib/raw-api.js";
import type { Recorder, Scenario } from "../lib/scenario.js";
import { type Keys, TortureStack } from "../lib/stack.js";

/** The broker's listener, then its port-proxy range. */
const PORTS = claimPortBlock("hostile-auth", 51);

export const scenario: Scenario = {
  name: "hostile-auth",
  title: "Hostile authentication: forged, stale and replayed signatures; another user's ids",
  group: "hostile",
  async run(ctx, record) {
    const echo = await startTcpEcho();
    const web = await startHttpTarget();
    const stack = new TortureStack({ dir: ctx.scratchDir("stack"), ports: PORTS });
    try {
      await stack.startBroker();
      const owner = stack.createUser("owner@example.com");
      const other = stack.createUser("other@example.com");
      const agent = await stack.startAgent("owner", owner, [
        `echo=tcp:${echo.port}`,
        `web=http:${web.port}`,
      ]);
      const echoId = agent.serviceIds.get("echo") ?? "";
      const connection = await stack.connect(owner, echoId, "0.0.0.0", "PORT_PROXY");
      const opened = await stack.api<{ openPeerSession: { id: string } }>(
        owner,
        "mutation ($s: String!) { openPeerSession(serviceId: $s) { id } }",
        { s: echoId },
      );
      const session = opened.data?.openPeerSession.id ?? "";
      if (!record.check("setup: the owner has a connection and a peer session", session !== "")) {
        return;
      }
      const before = await ownerState(stack, owner, other, session);
      let attempts = 0;
      let refused = 0;

      // Forged, garbled, stale and misdirected signatures; then a real client's replayed.
      const swap = gql("mutation ($c: String!) { disconnect(connectionId: $c) }", {
        c: connection.id,
      });
      const rounds = [
        [
          "missing, garbled, forged, stale or misdirected signatures",
          authAttempts(stack.apiUrl, owner, other),
        ],
        [
          "a real client's signature replayed on other bodies",
          await replayAttempts(stack.apiUrl, owner, swap),
        ],
      ] as const;
      for (const [round, list] of rounds) {
        const misses: string[] = [];
        const seen = new Map<string, number>();
        for (const attempt of list) {
          const reply = await attempt
            .send()
            .catch((e: Error) => ({ status: 0, text: e.message }) as RawReply);
          attempts++;
          const answer = `${reply.status} ${reply.code ?? ""}`.trim();
          seen.set(answer, (seen.get(answer) ?? 0) + 1);
          if (isRefusal(reply, attempt.refusedWith)) refused++;
          else misses.push(`${attempt.name}: ${answer || reply.text.slice(0, 60)}`);
        }
        record.check(
          `${round}: all ${list.length} refused`,
          misses.length === 0,
          misses.length === 0
            ? [...seen].map(([answer, n]) => `${n}× ${answer}`).join(", ")
            : misses.slice(0, 3).join("; "),
        );
      }
      await checkProbingIsBlind(record, stack.apiUrl, owner, other);

      // Another user's valid key against the owner's ids: answered as if they did not exist.
      const probes = isolationProbes({
        echo: echoId,
        web: agent.serviceIds.get("web") ?? "",
        connection: connection.id,
        session,
      });
      for (const probe of probes) {
        const foreign = await sendSigned(stack.apiUrl, other, probe.foreign);
        const absent = await sendSigned(stack.apiUrl, other, probe.absent);
        attempts++;
        const same =
          foreign.status === absent.status &&
          withoutIds(foreign.text, probe.ids) === withoutIds(absent.text, probe.ids);
        const nothing =
          foreign.code === "NOT_FOUND" || /^\{"data":\{"\w+":null\}\}$/.test(foreign.text);
        if (same && nothing) refused++;
        record.check(
          `another user's ${probe.name}: answered exactly as an absent id`,
          same && nothing,
          same
            ? `${foreign.status} ${foreign.code ?? withoutIds(foreign.text, probe.ids)}`
            : `theirs ${foreign.status} ${withoutIds(foreign.text, probe.ids).slice(0, 100)} ≠ absent ${absent.status} ${withoutIds(absent.text, probe.ids).slice(0, 100)}`,
        );
      }

      const after = await ownerState(stack, owner, other, session);
      record.check(
        "nothing changed: no connection made or ended, the peer session open, the other user sees nothing",
        JSON.stringify(after) === JSON.stringify(before) &&
          before.ownerConnections.includes(connection.id),
        JSON.stringify(after),
      );
      const last = await sendSigned(stack.apiUrl, owner, LOGIN);
      record.check(
        "the broker is alive and serving",
        isAlive(stack.broker) && last.status === 200,
        `alive ${isAlive(stack.broker)}, ${last.status}`,
      );
      record.figure("attempts", attempts);
      record.figure("refused", refused);
      await recordDocumentedAcceptances(record, stack.apiUrl, owner);
    } finally {
      await stack.stop();
      await echo.close();
      await web.close();
    }
  },
};

/** A 401 UNAUTHENTICATED with a sentence and no data, or a status the attempt allows. */
function isRefusal(reply: RawReply, allowed: number[]): boolean {
  if (!allowed.includes(reply.status)) return false;
  if (reply.status !== 401) return true;
  return (
    reply.code === "UNAUTHENTICATED" &&
    (reply.message?.length ?? 0) > 10 &&
    reply.data === undefined
  );
}

/** An unknown key and a wrong secret must read the same: keys cannot be probed. */
async function checkProbingIsBlind(record: Recorder, apiUrl: string, owner: Keys, other: Keys) {
  const wrongSecret = await sendSigned(
    apiUrl,
    { ...owner, secretAccessKey: other.secretAccessKey },
    LOGIN,
  );
  const unknownKey = await sendSigned(
    apiUrl,
    { ...owner, accessKeyId: "AKNOSUCHKEY000000000" },
    LOGIN,
  );
  record.check(
    "an unknown key and a wrong secret get the same answer",
    wrongSecret.status === 401 && wrongSecret.text === unknownKey.text,
    `${wrongSecret.status} ${wrongSecret.message} | ${unknownKey.status} ${unknownKey.message}`,
  );
}

/** What must not change: the store, the owner's connections and session, the other's view. */
async function ownerState(stack: TortureStack, owner: Keys, other: Keys, session: string) {
  const mine = await stack.api<{
    login: { connections: { id: string }[] };
    peerSession: { id: string } | null;
  }>(owner, "query ($i: ID!) { login { connections { id } } peerSession(id: $i) { id } }", {
    i: session,
  });
  const theirs = await stack.api<{ login: { connections: unknown[]; devices: { total: number } } }>(
    other,
    "{ login { connections { id } devices { total } } }",
  );
  return {
    storeRows: connectionRows(stack.brokerDataDir),
    ownerConnections: (mine.data?.login.connections.map((c) => c.id) ?? []).sort().join(","),
    ownerSession: mine.data?.peerSession?.id ?? null,
    otherConnections: theirs.data?.login.connections.length ?? -1,
    otherDevices: theirs.data?.login.devices.total ?? -1,
  };
}

/**
 * Two replays, measured so a change shows: an identical request replayed within its
 * 5-minute window (refused since the broker remembers the signatures it accepted), and a
 * signature that covers no Digest (remote.it's R3 signs only the length) reused on
 * another body of the same length. Both harmless reads here; TLS is the defence.
 */
async function recordDocumentedAcceptances(record: Recorder, apiUrl: string, owner: Keys) {
  const captured = await captureSigned(apiUrl, owner, LOGIN);
  await sendRaw(apiUrl, LOGIN, { headers: captured });
  const replay = await sendRaw(apiUrl, LOGIN, { headers: captured });
  const other = gql("{ login { id } }");
  const original = padTo(LOGIN, Buffer.byteLength(other));
  const legacy = signFor(apiUrl, owner, original);
  const swapped = await sendRaw(apiUrl, padTo(other, Buffer.byteLength(original)), {
    headers: { ...legacy },
  });
  const outcome = (r: RawReply) => (r.status === 200 ? "accepted" : `refused (${r.status})`);
  record.figure("identical replay within its 5-minute window", outcome(replay));
  record.figure(
    "no-Digest signature on a same-length body (documented: R3 signs the length)",
    outcome(swapped),
  );
}
