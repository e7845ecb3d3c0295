// Hostile GraphQL: a signed-in user (and a second one aiming at the first one's ids) sends
// malformed, mistyped, oversized and abusive requests to a real broker with a real agent
// offering a tcp and an http service. Each must get the status and code docs/api.md
// promises, create nothing (counted in the broker's own store), reach no service, and
// leave the broker serving.
import { percentile } from "../../test-support/stats.js";
import { startHttpTarget, startTcpEcho } from "../../test-support/targets.js";
import { badHostIps } from "../lib/bad-host-ips.js";
import { isAlive, rssMiB, type Snapshot, snapshot } from "../lib/broker-watch.js";
import {
  type HostileBatch,
  justUnderLimit,
  malformedBodies,
  oversizedBodies,
  queryShapes,
  unknownIds,
  wrongTypes,
} from "../lib/hostile-requests.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import { endlessUpload, gql, type RawReply, sendRaw, sendSigned, signFor } from "../lib/raw-api.js";
import type { Recorder, Scenario } from "../lib/scenario.js";
import { type Keys, TortureStack } from "../lib/stack.js";

/** What an answer must never contain: stack frames, source paths, parser internals. */
const LEAK = /\.ts:\d+|node_modules|\n\s+at |originalError|"stack"/;
const MiB = 1024 * 1024;
/** The broker's listener, then its port-proxy range. */
const PORTS = claimPortBlock("hostile-graphql", 51);

interface Users {
  owner: Keys;
  other: Keys;
}

export const scenario: Scenario = {
  name: "hostile-graphql",
  title: "Hostile GraphQL: malformed, mistyped, oversized and abusive requests are refused",
  group: "hostile",
  async run(ctx, record) {
    const echo = await startTcpEcho();
    const web = await startHttpTarget();
    const stack = new TortureStack({ dir: ctx.scratchDir("stack"), ports: PORTS });
    try {
      await stack.startBroker();
      const users = {
        owner: stack.createUser("owner@example.com"),
        other: stack.createUser("other@example.com"),
      };
      const agent = await stack.startAgent("owner", users.owner, [
        `echo=tcp:${echo.port}`,
        `web=http:${web.port}`,
      ]);
      const echoId = agent.serviceIds.get("echo") ?? "";
      const webId = agent.serviceIds.get("web") ?? "";
      // One real connection, for the other user to aim at and for every attack to spare.
      const connection = await stack.connect(users.owner, echoId, "0.0.0.0", "PORT_PROXY");
      const ids = { echo: echoId, web: webId, connection: connection.id };
      const reached = () => echo.accepted + web.connections;
      const reachedBefore = reached();
      const rssBefore = rssMiB(stack.broker.pid);

      const batches = [
        malformedBodies(),
        wrongTypes(ids),
        badHostIps(ids),
        unknownIds(ids),
        queryShapes(ids),
        oversizedBodies(),
      ];
      const replies = new Map<string, RawReply>();
      const refusalMs: number[] = [];
      let sent = 0;
      let asExpected = 0;
      for (const batch of batches) {
        const before = await snapshot(stack, users);
        const misses = await runBatch(stack.apiUrl, users, batch, replies);
        for (const c of batch.cases) refusalMs.push(replies.get(c.name)?.ms ?? Number.NaN);
        sent += batch.cases.length;
        asExpected += batch.cases.length - misses.length;
        record.check(
          `${batch.name}: each of ${batch.cases.length} answered with its status and code`,
          misses.length === 0,
          misses.length === 0
            ? undefined
            : `${misses.length} not: ${misses.slice(0, 3).join("; ")}`,
        );
        checkNothingChanged(
          record,
          batch.name,
          before,
          await snapshot(stack, users),
          connection.id,
        );
        await checkServing(record, stack, users.owner, batch.name);
      }

      const leaks = [...replies].filter(([, r]) => LEAK.test(r.text)).map(([name]) => name);
      record.check(
        "no answer leaks a stack, a source path or parser internals",
        leaks.length === 0,
        leaks.slice(0, 3).join("; "),
      );
      const typo = replies.get("unknown field (no suggestion)")?.message ?? "";
      record.check(
        "an unknown field's error names no other field (no suggestions)",
        typo !== "" && !/did you mean/i.test(typo),
        typo,
      );
      record.check(
        "no hostile request reached a service",
        reached() === reachedBefore,
        `${reached() - reachedBefore} connections reached the services`,
      );
      const under = await sendSigned(stack.apiUrl, users.owner, justUnderLimit());
      record.check(
        "a 1,000,000-byte request (under the limit) is still served",
        under.status === 200 && under.errorCount === 0,
        `${under.status} ${under.code ?? ""}`,
      );
      await checkEndlessUploads(record, stack.apiUrl, users.owner);
      await checkServing(record, stack, users.owner, "endless uploads");

      const rssAfter = rssMiB(stack.broker.pid);
      const p99 = percentile(refusalMs, 99);
      record.check("refusals are quick: p99 under 500 ms", p99 < 500, `${p99.toFixed(1)} ms`);
      record.check(
        "broker memory grew less than 100 MiB",
        rssAfter - rssBefore < 100,
        `${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MiB`,
      );
      record.figure("hostile requests sent", sent);
      record.figure("answered with the expected status and code", asExpected);
      record.figure("refusal p50 (ms)", percentile(refusalMs, 50));
      record.figure("refusal p99 (ms)", p99);
      record.figure("broker RSS before (MiB)", rssBefore);
      record.figure("broker RSS after (MiB)", rssAfter);
    } finally {
      await stack.stop();
      await echo.close();
      await web.close();
    }
  },
};

/** Sends every case of `batch`; returns a line for each that was not answered as expected. */
async function runBatch(
  apiUrl: string,
  users: Users,
  batch: HostileBatch,
  replies: Map<string, RawReply>,
): Promise<string[]> {
  const misses: string[] = [];
  for (const c of batch.cases) {
    const reply = c.unsigned
      ? await sendRaw(apiUrl, c.body, c.send)
      : await sendSigned(apiUrl, users[c.as], c.body, c.sign, c.send);
    replies.set(c.name, reply);
    if (reply.status !== c.want.status || reply.code !== c.want.code) {
      misses.push(
        `${c.name}: ${reply.status} ${reply.code ?? reply.text.slice(0, 60)} (want ${c.want.status} ${c.want.code})`,
      );
    }
  }
  return misses;
}

function checkNothingChanged(
  record: Recorder,
  batch: string,
  before: Snapshot,
  after: Snapshot,
  connectionId: string,
): void {
  record.check(
    `${batch}: nothing created, nothing ended`,
    after.rows === before.rows &&
      after.active === before.active &&
      after.active.includes(connectionId),
    `store rows ${before.rows} → ${after.rows}; ${after.active === before.active ? "active unchanged" : `active ${before.active} → ${after.active}`}`,
  );
}

async function checkServing(
  record: Recorder,
  stack: TortureStack,
  owner: Keys,
  after: string,
): Promise<void> {
  const reply = await sendSigned(stack.apiUrl, owner, gql("{ login { email } }")).catch(
    (error: Error) => ({ status: 0, text: error.message }) as RawReply,
  );
  record.check(
    `after ${after}: broker alive and serving`,
    isAlive(stack.broker) && reply.status === 200 && reply.text.includes("owner@example.com"),
    `alive ${isAlive(stack.broker)}, ${reply.status} ${reply.text.slice(0, 80)}`,
  );
}

/**
 * An upload that never ends, after the broker has refused it (413 for a signed chunked
 * body, 401 unsigned, 413 for a 10 GiB Content-Length): the broker must close the
 * connection soon, not read and discard forever.
 */
async function checkEndlessUploads(record: Recorder, apiUrl: string, owner: Keys) {
  const signed = signFor(apiUrl, owner, "", { contentLength: "" });
  const uploads: [string, Record<string, string>, string][] = [
    [
      "signed, chunked",
      {
        "content-type": "application/json",
        date: signed.date,
        authorization: signed.authorization,
      },
      "413",
    ],
    ["unsigned, chunked", { "content-type": "application/json" }, "401"],
    ["unsigned, Content-Length 10 GiB", { "content-length": String(10 * 1024 * MiB) }, "413"],
  ];
  let most = 0;
  for (const [name, headers, status] of uploads) {
    const upload = await endlessUpload(apiUrl, headers, 256 * MiB, 10_000);
    most = Math.max(most, upload.bytes);
    record.check(
      `an endless upload (${name}) is refused and cut off within 32 MiB`,
      upload.cut && upload.bytes <= 32 * MiB && upload.statusLine.includes(status),
      `${upload.statusLine || "no answer"}; ${(upload.bytes / MiB).toFixed(1)} MiB sent, ${upload.cut ? "cut" : "never cut"}`,
    );
  }
  record.figure("most MiB sent before an endless upload was cut", most / MiB);
}
