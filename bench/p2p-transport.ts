// What libdatachannel itself costs, without Reach around it: two processes, one WebRTC
// data channel over loopback, 256 MiB sent in 64 KiB messages, for each MTU given (the
// default 1,280, Ethernet's 1,500, and 4,000, about the most libjuice's 4 KiB datagram
// buffer takes). Prints MiB/s and each end's CPU-seconds per GiB: if CPU follows the
// packet count rather than the bytes, the cost is per packet (DTLS record, SCTP chunk, UDP
// syscall), not per JavaScript message. `node --import tsx bench/p2p-transport.ts [MTU…]`.
import { fork } from "node:child_process";
import { cpuUsage } from "node:process";
import { fileURLToPath } from "node:url";

const MIB = 1024 * 1024;
const TOTAL = 256 * MIB;
const CHUNK = 64 * 1024;
const role = process.argv[2];

type Signal = { sdp: string; type: string } | { candidate: string; mid: string };
interface EndFigures {
  mibPerSecond?: number;
  cpuPerGiB: number;
}

if (role === "offer" || role === "answer") await runEnd(role, Number(process.argv[3]) || 0);
else await main(process.argv.slice(2).map(Number));

async function main(mtus: number[]): Promise<void> {
  const rows: string[] = [
    "| MTU | MiB/s | sender CPU s/GiB | receiver CPU s/GiB |",
    "| --- | --- | --- | --- |",
  ];
  for (const mtu of mtus.length > 0 ? mtus : [1280, 1500, 4000]) {
    const [sender, receiver] = await pair(mtu);
    rows.push(`| ${mtu} | ${sender.mibPerSecond} | ${sender.cpuPerGiB} | ${receiver.cpuPerGiB} |`);
  }
  process.stdout.write(`${rows.join("\n")}\n`);
}

/** Forks both ends, passes their descriptions and candidates across, returns their figures. */
function pair(mtu: number): Promise<[EndFigures, EndFigures]> {
  const script = fileURLToPath(import.meta.url);
  const start = (end: string) =>
    fork(script, [end, String(mtu)], { execArgv: ["--import", "tsx"] });
  const offer = start("offer");
  const answer = start("answer");
  const figures = (child: ReturnType<typeof fork>, other: ReturnType<typeof fork>) =>
    new Promise<EndFigures>((resolve, reject) => {
      child.on("message", (message: Signal | EndFigures) => {
        if ("cpuPerGiB" in message) resolve(message);
        else other.send(message);
      });
      child.once("exit", (code) => reject(new Error(`an end exited (${code}) before reporting`)));
    });
  return Promise.all([figures(offer, answer), figures(answer, offer)]);
}

async function runEnd(end: "offer" | "answer", mtu: number): Promise<void> {
  const ndc = await import("node-datachannel");
  const peer = new ndc.PeerConnection(end, { iceServers: [], bindAddress: "127.0.0.1", mtu });
  const send = (message: Signal | EndFigures) => process.send?.(message);
  peer.onLocalDescription((sdp, type) => send({ sdp, type }));
  peer.onLocalCandidate((candidate, mid) => send({ candidate, mid }));
  process.on("message", (message: Signal) => {
    if ("sdp" in message) peer.setRemoteDescription(message.sdp, message.type as "offer");
    else peer.addRemoteCandidate(message.candidate, message.mid);
  });
  const finish = (figures: EndFigures) => {
    send(figures);
    setTimeout(() => {
      peer.close();
      ndc.cleanup();
      process.exit(0);
    }, 200);
  };
  const cpuPerGiB = (since: NodeJS.CpuUsage, bytes: number) => {
    const used = cpuUsage(since);
    return Number(((used.user + used.system) / 1e6 / (bytes / (1024 * MIB))).toFixed(2));
  };
  if (end === "offer") {
    const channel = peer.createDataChannel("bulk");
    const chunk = Buffer.alloc(CHUNK, 7);
    channel.onOpen(() => {
      const cpu0 = cpuUsage();
      const started = performance.now();
      let sent = 0;
      // Keeps at most 8 MiB queued in libdatachannel, refilling below 4 MiB.
      channel.setBufferedAmountLowThreshold(4 * MIB);
      const pump = () => {
        while (sent < TOTAL) {
          channel.sendMessageBinary(chunk);
          sent += CHUNK;
          if (channel.bufferedAmount() > 8 * MIB) return;
        }
        channel.sendMessage("end");
      };
      channel.onBufferedAmountLow(pump);
      channel.onMessage((message) => {
        if (message !== "received") return;
        const seconds = (performance.now() - started) / 1000;
        finish({
          mibPerSecond: Number((TOTAL / MIB / seconds).toFixed(1)),
          cpuPerGiB: cpuPerGiB(cpu0, TOTAL),
        });
      });
      pump();
    });
  } else {
    peer.onDataChannel((channel) => {
      let received = 0;
      let cpu0: NodeJS.CpuUsage | undefined;
      channel.onMessage((message) => {
        cpu0 ??= cpuUsage();
        if (message === "end") {
          channel.sendMessage("received");
          finish({ cpuPerGiB: cpuPerGiB(cpu0, received) });
        } else if (typeof message !== "string") {
          received += message.byteLength;
        }
      });
    });
  }
}
