// One DNS query in, one reply out (or nothing): the wire format (dns-packet), the header's
// rules (QR, AA, RD echoed, RA never), EDNS, and truncation. The zone's content is
// zone-answers.ts; the sockets are dns-server.ts. Whatever the bytes, this resolves: a
// query that cannot be read gets FORMERR, a packet that is not a query gets nothing.
import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer } from "dns-packet";
import { answerQuestion, type ZoneAnswer, type ZoneSnapshot } from "./zone-answers.js";

/** The largest reply over UDP without EDNS (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_SIZE = 512;
/** The most we send over UDP whatever EDNS offers: no IP fragmentation (DNS flag day 2020). */
export const MAX_UDP_SIZE = 1232;
/** TCP's two-byte length prefix bounds every message. */
export const MAX_TCP_SIZE = 65535;

const HEADER_BYTES = 12;
const QR = 0x8000;
const AA = dnsPacket.AUTHORITATIVE_ANSWER;
const TC = dnsPacket.TRUNCATED_RESPONSE;
const RD = dnsPacket.RECURSION_DESIRED;
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
type Rcode = keyof typeof RCODE;

/** What the zone knows for one question's name: its snapshot, with that name's challenges. */
export type SnapshotFor = (name: string) => Promise<ZoneSnapshot>;

export type Transport = "udp" | "tcp";

/** The reply to `query`, or null when it deserves none (a reply, or too short to answer). */
export async function exchange(
  query: Buffer,
  transport: Transport,
  snapshotFor: SnapshotFor,
): Promise<Buffer | null> {
  if (query.length < HEADER_BYTES) return null;
  const header = query.readUInt16BE(2);
  // A response sent to us (or forged to bounce off us): never answer it.
  if (header & QR) return null;
  const opcode = (header >> 11) & 0xf;
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(query);
  } catch {
    return bare(query, "FORMERR");
  }
  if (opcode !== 0) return bare(query, "NOTIMP");
  const questions = packet.questions ?? [];
  const question = questions[0];
  // RFC 9619: one question per query; anything else is malformed.
  if (questions.length !== 1 || question === undefined) return bare(query, "FORMERR");
  const opt = packet.additionals?.find((a): a is OptAnswer => a.type === "OPT");
  // RFC 6891 §6.1.3: we speak EDNS version 0 only, and say so to a client asking for more.
  if (opt && opt.ednsVersion > 0) {
    return reply(packet, opt, transport, { ...EMPTY, rcode: "NOERROR" }, BADVERS_HIGH_BITS);
  }

  let answer: ZoneAnswer;
  try {
    answer = answerQuestion(await snapshotFor(question.name), question);
  } catch {
    return reply(packet, opt, transport, { ...EMPTY, rcode: "SERVFAIL" });
  }
  return reply(packet, opt, transport, answer);
}

const EMPTY = { authoritative: false, answers: [], authorities: [] };
/** BADVERS is extended rcode 16: its upper eight bits (1) go in the OPT record. */
const BADVERS_HIGH_BITS = 1;

function reply(
  query: DecodedPacket,
  opt: OptAnswer | undefined,
  transport: Transport,
  answer: Omit<ZoneAnswer, "rcode"> & { rcode: Rcode },
  extendedRcode = 0,
): Buffer {
  const limit =
    transport === "tcp"
      ? MAX_TCP_SIZE
      : Math.min(MAX_UDP_SIZE, Math.max(CLASSIC_UDP_SIZE, opt?.udpPayloadSize ?? 0));
  const flags = ((query.flags ?? 0) & RD) | (answer.authoritative ? AA : 0) | RCODE[answer.rcode];
  // An EDNS query gets an EDNS reply, offering what we send at most.
  const additionals: Answer[] = opt
    ? [
        {
          type: "OPT",
          name: ".",
          udpPayloadSize: MAX_UDP_SIZE,
          extendedRcode,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options: [],
        },
      ]
    : [];
  const full = {
    type: "response" as const,
    id: query.id,
    flags,
    questions: query.questions,
    answers: answer.answers,
    authorities: answer.authorities,
    additionals,
  };
  const encoded = dnsPacket.encode(full);
  if (encoded.length <= limit) return encoded;
  // Too big for this datagram: the question alone, with TC, so the resolver asks over TCP.
  return dnsPacket.encode({ ...full, flags: flags | TC, answers: [], authorities: [] });
}

/** A header-only reply (no question echoed) for a query that could not be read or served. */
function bare(query: Buffer, rcode: Rcode): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  query.copy(out, 0, 0, 2);
  const header = query.readUInt16BE(2);
  // The query's opcode and RD come back; QR set; every count zero.
  out.writeUInt16BE(QR | (header & 0x7800) | (header & RD) | RCODE[rcode], 2);
  return out;
}
