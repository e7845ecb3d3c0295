// The broker's own DNS, asked by the real resolver client (dig) over UDP and TCP: every
// record of its zone, the refusals (other zones, recursion, transfers), ACME's challenges
// published through the broker, truncation to TCP, and bytes that are not DNS at all, after
// which it still answers. Then two nodes on one PostgreSQL database answering alike.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import dnsPacket from "dns-packet";
import { CLUSTER_DOMAIN, nodeAddress, startTestCluster } from "../../test-support/cluster.js";
import { type DigReply, dig } from "../../test-support/dig.js";
import { startTestBroker, type TestBroker } from "../../test-support/stack.js";

const run = promisify(execFile);
const ZONE = "reach.test";
const HOST = "127.0.0.1";

describe("the broker's DNS for its zone", () => {
  let broker: TestBroker;
  let port: number;
  const ask = (name: string, type: string, ...extra: string[]) =>
    dig(HOST, port, name, type, ...extra);

  before(async () => {
    broker = await startTestBroker({
      domain: ZONE,
      node: 1,
      publicIps: ["127.0.0.1", "::1"],
      dns: { host: HOST, port: 0 },
    });
    assert.ok(broker.dnsPort, "the broker says which port its DNS bound");
    port = broker.dnsPort;
  });
  after(async () => {
    await broker.close();
    await broker.removeData();
  });

  function assertAnswer(reply: DigReply, type: string, data: string[]) {
    assert.equal(reply.status, "NOERROR", reply.text);
    assert.ok(reply.flags.includes("aa"), `authoritative:\n${reply.text}`);
    assert.ok(!reply.flags.includes("ra"), `never offers recursion:\n${reply.text}`);
    assert.deepEqual(
      reply.answer.map((r) => r.type),
      data.map(() => type),
      reply.text,
    );
    assert.deepEqual(reply.answer.map((r) => r.data).sort(), [...data].sort(), reply.text);
    for (const record of reply.answer) assert.ok(record.ttl <= 60, reply.text);
  }

  function assertSoaAuthority(reply: DigReply) {
    assert.deepEqual(
      reply.authority.map((r) => [r.name, r.type]),
      [[`${ZONE}.`, "SOA"]],
      reply.text,
    );
  }

  for (const transport of ["udp", "tcp"]) {
    const extra = transport === "tcp" ? ["+tcp"] : [];
    describe(`over ${transport}`, () => {
      it("gives the apex every live node's addresses, v4 and v6", async () => {
        assertAnswer(await ask(ZONE, "A", ...extra), "A", ["127.0.0.1"]);
        assertAnswer(await ask(ZONE, "AAAA", ...extra), "AAAA", ["::1"]);
      });

      it("gives p1, any name under it and ns1 node 1's addresses, whatever the case", async () => {
        assertAnswer(await ask(`p1.${ZONE}`, "A", ...extra), "A", ["127.0.0.1"]);
        assertAnswer(await ask(`abc123.p1.${ZONE}`, "A", ...extra), "A", ["127.0.0.1"]);
        assertAnswer(await ask(`a.b.c.P1.Reach.Test`, "AAAA", ...extra), "AAAA", ["::1"]);
        assertAnswer(await ask(`ns1.${ZONE}`, "A", ...extra), "A", ["127.0.0.1"]);
      });

      it("names itself in NS and SOA at the apex", async () => {
        assertAnswer(await ask(ZONE, "NS", ...extra), "NS", [`ns1.${ZONE}.`]);
        const soa = await ask(ZONE, "SOA", ...extra);
        assert.equal(soa.answer.length, 1, soa.text);
        const [mname, rname, serial, refresh, retry, expire, minimum] = (
          soa.answer[0]?.data ?? ""
        ).split(" ");
        assert.equal(mname, `ns1.${ZONE}.`);
        assert.equal(rname, `hostmaster.${ZONE}.`);
        assert.ok(Number(serial) > 0, soa.text);
        assert.deepEqual([refresh, retry, expire, minimum], ["3600", "600", "604800", "60"]);
      });

      it("says NXDOMAIN, with the SOA, for names the zone does not have", async () => {
        for (const name of [
          `nope.${ZONE}`,
          `p2.${ZONE}`,
          `x.p2.${ZONE}`,
          `ns2.${ZONE}`,
          `p01.${ZONE}`,
          `x.ns1.${ZONE}`,
        ]) {
          const reply = await ask(name, "A", ...extra);
          assert.equal(reply.status, "NXDOMAIN", reply.text);
          assert.ok(reply.flags.includes("aa"), reply.text);
          assert.equal(reply.answer.length, 0, reply.text);
          assertSoaAuthority(reply);
        }
      });

      it("says NODATA, with the SOA, for a name it has asked for another type", async () => {
        for (const [name, type] of [
          [`p1.${ZONE}`, "MX"],
          [`x.p1.${ZONE}`, "TXT"],
          [ZONE, "CNAME"],
          [`ns1.${ZONE}`, "NS"],
        ] as const) {
          const reply = await ask(name, type, ...extra);
          assert.equal(reply.status, "NOERROR", reply.text);
          assert.equal(reply.answer.length, 0, reply.text);
          assertSoaAuthority(reply);
        }
      });

      it("refuses other zones (and the parent), recursion desired or not", async () => {
        for (const args of [
          ["example.org", "A"],
          ["example.org", "A", "+recurse"],
          [`${ZONE}.example.org`, "A"],
          ["test", "NS"],
          ["version.bind", "TXT", "-c", "CH"],
        ] as const) {
          const [name, type, ...more] = args;
          const reply = await ask(name, type, ...more, ...extra);
          assert.equal(reply.status, "REFUSED", reply.text);
          assert.ok(!reply.flags.includes("ra"), reply.text);
          assert.ok(!reply.flags.includes("aa"), reply.text);
          assert.equal(reply.answer.length, 0, reply.text);
        }
      });
    });
  }

  it("refuses a zone transfer (AXFR over TCP): no node is anyone's primary", async () => {
    const frame = framed(
      dnsPacket.encode({ type: "query", id: 5, questions: [{ name: ZONE, type: "AXFR" }] }),
    );
    const reply = await tcpExchange(frame);
    assert.equal(reply.readUInt16BE(2), 5, "the reply carries the query's id");
    assert.equal(reply.readUInt16BE(4) & 0x000f, 5, "REFUSED");
    // dig prints the refusal as a failed transfer (and exits non-zero).
    const dug = await runDig([`@${HOST}`, "-p", String(port), "+time=2", "+tries=1", ZONE, "AXFR"]);
    assert.match(dug, /Transfer failed/, dug);
  });

  it("speaks EDNS 0, offering 1232 bytes; a query for a later version gets BADVERS", async () => {
    const zero = await ask(ZONE, "A", "+edns=0");
    assert.match(zero.text, /EDNS: version: 0, flags:; udp: 1232/, zero.text);
    const later = await ask(ZONE, "A", "+edns=1", "+noednsnegotiation");
    assert.equal(later.status, "BADVERS", later.text);
    assert.equal(later.answer.length, 0, later.text);
  });

  it("answers ANY minimally (RFC 8482), never with every record", async () => {
    const reply = await ask(ZONE, "ANY");
    assert.equal(reply.status, "NOERROR", reply.text);
    assert.deepEqual(
      reply.answer.map((r) => [r.type, r.data]),
      [["HINFO", '"RFC8482" ""']],
      reply.text,
    );
    assert.equal((await ask(`nope.${ZONE}`, "ANY")).status, "NXDOMAIN");
  });

  it("answers the TXT values ACME publishes through the broker, and forgets removed ones", async () => {
    const apex = `_acme-challenge.${ZONE}`;
    const wildcard = `_acme-challenge.p1.${ZONE}`;
    assert.equal((await ask(apex, "TXT")).status, "NXDOMAIN");
    await broker.challenges.add(apex, "apex-token-1");
    await broker.challenges.add(wildcard, "wild-token-1");
    await broker.challenges.add(wildcard, "wild-token-2");
    const apexReply = await ask(apex, "TXT");
    assertAnswer(apexReply, "TXT", ['"apex-token-1"']);
    assert.ok((apexReply.answer[0]?.ttl ?? 99) <= 10, apexReply.text);
    assertAnswer(await ask(wildcard.toUpperCase(), "TXT", "+tcp"), "TXT", [
      '"wild-token-1"',
      '"wild-token-2"',
    ]);
    await broker.challenges.remove(apex, "apex-token-1");
    await broker.challenges.remove(wildcard, "wild-token-1");
    await broker.challenges.remove(wildcard, "wild-token-2");
    assert.equal((await ask(apex, "TXT")).status, "NXDOMAIN");
    // Under p1, every name exists (the wildcard): without a challenge it is NODATA.
    const gone = await ask(wildcard, "TXT");
    assert.equal(gone.status, "NOERROR", gone.text);
    assert.equal(gone.answer.length, 0, gone.text);
  });

  it("sets TC on a UDP answer too big for the datagram, and gives it whole over TCP", async () => {
    const name = `_acme-challenge.${ZONE}`;
    const values = Array.from({ length: 40 }, (_, i) => `value-${i}-${"x".repeat(40)}`);
    for (const value of values) await broker.challenges.add(name, value);
    try {
      const truncated = await ask(name, "TXT", "+ignore");
      assert.ok(truncated.flags.includes("tc"), truncated.text);
      assert.equal(truncated.answer.length, 0, truncated.text);
      // Without +ignore dig does what resolvers do with TC: asks again over TCP.
      const retried = await ask(name, "TXT");
      assert.equal(retried.answer.length, values.length, retried.text);
      assert.ok(!retried.flags.includes("tc"), retried.text);
    } finally {
      for (const value of values) await broker.challenges.remove(name, value);
    }
  });

  it("answers malformed and multi-question queries with FORMERR, drops what is not a query, and still answers after", async () => {
    const query = (id: number, questions: { name: string; type: "A" }[]) =>
      dnsPacket.encode({ type: "query", id, questions });
    // A header claiming a question it does not carry.
    const truncatedQuestion = Buffer.from([
      0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 3, 0x61,
    ]);
    const formerr = await udpExchange(truncatedQuestion);
    assert.ok(formerr, "a query that cannot be read gets a reply");
    assert.equal(formerr.readUInt16BE(0), 0x1234, "with its id");
    assert.equal(formerr.readUInt16BE(2) & 0x800f, 0x8001, "QR and FORMERR");

    const two = await udpExchange(
      query(7, [
        { name: ZONE, type: "A" },
        { name: `p1.${ZONE}`, type: "A" },
      ]),
    );
    assert.equal((two?.readUInt16BE(2) ?? 0) & 0x800f, 0x8001, "two questions: FORMERR");

    // Too short to be a query, a response, an oversized datagram: no reply at all.
    assert.equal(await udpExchange(Buffer.from([1, 2, 3])), null);
    const response = dnsPacket.encode({
      type: "response",
      id: 9,
      questions: [{ name: ZONE, type: "A" }],
    });
    assert.equal(await udpExchange(response), null);
    assert.equal(await udpExchange(Buffer.alloc(5000, 0x41)), null);

    // TCP: a garbage frame gets FORMERR; a frame longer than any query closes the connection.
    const replies = await tcpExchange(framed(truncatedQuestion));
    assert.equal(replies.readUInt16BE(0), 12, "one header-only reply");
    assert.equal(replies.readUInt16BE(4) & 0x000f, 1, "FORMERR");
    const closed = await tcpExchange(
      Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.alloc(70_000, 0x42)]),
    );
    assert.equal(closed.length, 0, "an oversized frame gets no reply, only a close");

    assertAnswer(await ask(ZONE, "A"), "A", ["127.0.0.1"]);
    assertAnswer(await ask(ZONE, "A", "+tcp"), "A", ["127.0.0.1"]);
  });

  it("answers several queries on one TCP connection, in order", async () => {
    const frames = [1, 2, 3].map((id) => {
      const body = dnsPacket.encode({
        type: "query",
        id,
        questions: [{ name: `n${id}.p1.${ZONE}`, type: "A" }],
      });
      return framed(body);
    });
    const bytes = await tcpExchange(Buffer.concat(frames), 3);
    const ids: number[] = [];
    for (let at = 0; at < bytes.length; ) {
      const length = bytes.readUInt16BE(at);
      const reply = dnsPacket.decode(bytes.subarray(at + 2, at + 2 + length));
      ids.push(reply.id ?? -1);
      const [first] = reply.answers ?? [];
      assert.equal(first?.type === "A" ? first.data : undefined, "127.0.0.1");
      at += 2 + length;
    }
    assert.deepEqual(ids, [1, 2, 3]);
  });

  it("refuses to start a second broker whose DNS port is taken, saying so", async () => {
    await assert.rejects(
      startTestBroker({ domain: ZONE, dns: { host: HOST, port } }),
      /--dns-listen 127\.0\.0\.1:\d+: UDP port \d+ is taken/,
    );
    assertAnswer(await ask(ZONE, "A"), "A", ["127.0.0.1"]);
  });

  /** Sends one datagram; the reply, or null when none came within a second. */
  function udpExchange(bytes: Buffer): Promise<Buffer | null> {
    const socket = createSocket("udp4");
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(null), 1_000);
      const finish = (reply: Buffer | null) => {
        clearTimeout(timer);
        socket.close();
        resolve(reply);
      };
      socket.on("message", (reply) => finish(reply));
      socket.send(bytes, port, HOST);
    });
  }

  /** Writes bytes on a fresh TCP connection; everything read until `frames` replies came, the server closed, or a second passed. */
  function tcpExchange(bytes: Buffer, frames = 1): Promise<Buffer> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      const socket = connect(port, HOST, () => socket.write(bytes));
      const timer = setTimeout(() => finish(), 1_000);
      const finish = () => {
        clearTimeout(timer);
        socket.destroy();
        resolve(Buffer.concat(chunks));
      };
      socket.on("data", (chunk) => {
        chunks.push(chunk);
        if (countFrames(Buffer.concat(chunks)) >= frames) finish();
      });
      socket.on("close", finish);
      socket.on("error", finish);
    });
  }
});

/** A DNS message with TCP's two-byte length before it. */
function framed(body: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(body.length);
  return Buffer.concat([prefix, body]);
}

/** dig's output, whatever its exit status. */
async function runDig(args: string[]): Promise<string> {
  try {
    return (await run("dig", args, { timeout: 10_000 })).stdout;
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

function countFrames(bytes: Buffer): number {
  let count = 0;
  for (let at = 0; at + 2 <= bytes.length; count++) {
    const next = at + 2 + bytes.readUInt16BE(at);
    if (next > bytes.length) break;
    at = next;
  }
  return count;
}

describe("a cluster's DNS", () => {
  it("answers alike on every node: p1 and p2 from the addresses each node wrote to the store", async () => {
    const cluster = await startTestCluster(2, { dns: { host: HOST, port: 0 } });
    try {
      for (const node of cluster.nodes) {
        const port = node.dnsPort ?? 0;
        for (const n of [1, 2]) {
          const reply = await dig(HOST, port, `x.p${n}.${CLUSTER_DOMAIN}`, "A");
          assert.deepEqual(
            reply.answer.map((r) => r.data),
            [nodeAddress(n)],
            reply.text,
          );
        }
        const apex = await dig(HOST, port, CLUSTER_DOMAIN, "A");
        assert.deepEqual(
          apex.answer.map((r) => r.data).sort(),
          [nodeAddress(1), nodeAddress(2)],
          apex.text,
        );
        const ns = await dig(HOST, port, CLUSTER_DOMAIN, "NS");
        assert.deepEqual(
          ns.answer.map((r) => r.data).sort(),
          [`ns1.${CLUSTER_DOMAIN}.`, `ns2.${CLUSTER_DOMAIN}.`],
          ns.text,
        );
      }
    } finally {
      await cluster.stop();
    }
  });
});
