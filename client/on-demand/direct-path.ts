// The direct path (common/p2p/direct-link.ts): each local socket gets one TLS-PSK
// connection straight to one of the agent's own addresses, found by trying them all at once
// when the path opens. It is peer to peer, like the WebRTC path, but the kernel carries
// the bytes, so it costs what the relay costs rather than what libdatachannel costs.
import type { Socket } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import type { PeerSessionView } from "../../common/graphql/schema.js";
import {
  DIRECT_READY,
  DIRECT_START,
  DIRECT_TLS,
  DIRECT_WATCH,
  type DirectEndpoint,
  directKey,
} from "../../common/p2p/direct-link.js";
import { splice } from "../../common/stream/splice.js";
import type { HandBack, StreamPath } from "./stream-path.js";

/** An endpoint that has not finished its handshake by then is not on a direct path. */
const PROBE_WAIT_MS = 1_000;
/**
 * Connections kept through their handshake, ready for the next local sockets, so a socket
 * waits for no handshake (as the agent's pool spares the port proxy's visitors). The
 * agent dials the service only on a connection's start byte, so a spare costs the service
 * nothing.
 */
const SPARES = 2;
/** The keepalive's byte interval, and how long without its echo counts the path dead. */
const PING_EVERY_MS = 500;
const DEAD_AFTER_MS = 2_500;

export class DirectPath implements StreamPath {
  readonly kind = "p2p" as const;
  private downCallback: ((reason: string) => void) | undefined;
  private down = false;
  private readonly carried = new Set<Socket>();
  /** Sockets whose connection is still in its handshake: nothing of theirs moved yet. */
  private readonly starting = new Map<Socket, { link: TLSSocket; handBack: HandBack }>();
  private readonly watch: TLSSocket;
  private pinger: NodeJS.Timeout | undefined;
  /** Handshaken connections waiting for a socket, oldest first. */
  private readonly spares: TLSSocket[] = [];
  /** Spare connections in their handshake now. */
  private warming = 0;

  private constructor(
    private readonly endpoint: DirectEndpoint,
    private readonly key: { sessionId: string; psk: Buffer },
    /** The probe that won, already through its handshake: the first socket's connection. */
    firstSpare: TLSSocket,
  ) {
    this.addSpare(firstSpare);
    this.watch = this.keepAlive();
    this.refill();
  }

  private addSpare(link: TLSSocket): void {
    this.spares.push(link);
    link.once("close", () => {
      const at = this.spares.indexOf(link);
      if (at !== -1) this.spares.splice(at, 1);
    });
  }

  /** Opens connections until SPARES are ready or on their way. */
  private refill(): void {
    while (!this.down && this.spares.length + this.warming < SPARES) {
      this.warming++;
      const link = connectDirect(this.endpoint, this.key);
      let warmed = false;
      const settle = () => {
        if (warmed) return false;
        warmed = true;
        this.warming--;
        return true;
      };
      link.once("secureConnect", () => {
        if (!settle()) return;
        if (this.down) link.destroy();
        else this.addSpare(link);
      });
      link.once("close", () => settle());
    }
  }

  /**
   * One connection that only echoes (DIRECT_WATCH): its close says at once that the agent
   * went, and an echo missing for 2.5 s that its machine or the network did.
   */
  private keepAlive(): TLSSocket {
    const watch = connectDirect(this.endpoint, this.key);
    let heard = Date.now();
    watch.once("secureConnect", () => {
      watch.write(Buffer.of(DIRECT_WATCH));
      heard = Date.now();
      this.pinger = setInterval(() => {
        if (Date.now() - heard > DEAD_AFTER_MS) {
          this.fail("the agent's direct address stopped answering");
          return;
        }
        watch.write(Buffer.of(0));
      }, PING_EVERY_MS);
      this.pinger.unref();
    });
    watch.on("data", () => {
      heard = Date.now();
    });
    watch.once("close", () => this.fail("the agent closed the direct path"));
    watch.on("error", () => watch.destroy());
    return watch;
  }

  /**
   * The first of the session's endpoints to complete a handshake; rejects when none does
   * within a second (the agent is not reachable directly, the usual case across NATs).
   */
  static async open(session: PeerSessionView): Promise<DirectPath> {
    const key = { sessionId: session.id, psk: directKey(session.id, session.token) };
    if (session.direct.length === 0) throw new Error("The agent offers no direct path.");
    const sockets: TLSSocket[] = [];
    const probes = session.direct.map((endpoint) => {
      const socket = connectDirect(endpoint, key);
      sockets.push(socket);
      return new Promise<{ endpoint: DirectEndpoint; socket: TLSSocket }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no handshake in time")), PROBE_WAIT_MS);
        socket.once("secureConnect", () => {
          clearTimeout(timer);
          resolve({ endpoint, socket });
        });
        socket.once("error", (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    });
    let won: { endpoint: DirectEndpoint; socket: TLSSocket };
    try {
      won = await Promise.any(probes);
    } catch {
      for (const socket of sockets) socket.destroy();
      throw new Error("None of the agent's addresses answered directly.");
    }
    // The others close before their start byte: the agent dials nothing for them.
    for (const socket of sockets) if (socket !== won.socket) socket.destroy();
    return new DirectPath(won.endpoint, key, won.socket);
  }

  carry(socket: Socket, handBack: HandBack): void {
    if (this.down) {
      handBack("the direct path is down");
      return;
    }
    let spare: TLSSocket | null = null;
    while (!spare && this.spares.length > 0) {
      const next = this.spares.shift() as TLSSocket;
      if (next.writable) spare = next;
      else next.destroy();
    }
    this.refill();
    const link = spare ?? connectDirect(this.endpoint, this.key);
    this.starting.set(socket, { link, handBack });
    // Started once the agent has reached the service (DIRECT_READY): until then nothing
    // was read from the local socket, so a link that fails hands it back.
    const ready = (first: Buffer) => {
      if (!this.starting.delete(socket)) return;
      if (first[0] !== DIRECT_READY || socket.destroyed) {
        link.destroy();
        socket.destroy();
        return;
      }
      this.carried.add(socket);
      socket.once("close", () => this.carried.delete(socket));
      if (first.length > 1) socket.write(first.subarray(1));
      splice(socket, link);
      socket.resume();
    };
    const send = () => {
      link.write(Buffer.of(DIRECT_START));
      link.once("data", ready);
    };
    if (spare) send();
    else link.once("secureConnect", send);
    const failed = (why: string) => {
      if (!this.starting.delete(socket)) return; // started: splice() ends the socket with it
      link.destroy();
      handBack(`the direct path failed: ${why}`);
      this.fail(`the agent's direct address stopped answering (${why})`);
    };
    link.once("error", (error) => failed(error.message));
    link.once("close", () => failed("the agent closed the connection"));
  }

  onDown(callback: (reason: string) => void): void {
    this.downCallback = callback;
  }

  close(): void {
    for (const handBack of this.shutDown()) handBack("the direct path closed");
  }

  /** Closes everything; returns the hand-backs of sockets not started, for the caller to call. */
  private shutDown(): HandBack[] {
    this.down = true;
    clearInterval(this.pinger);
    this.watch.destroy();
    for (const spare of this.spares.splice(0)) spare.destroy();
    const starting = [...this.starting.values()];
    this.starting.clear();
    for (const { link } of starting) link.destroy();
    for (const socket of this.carried) socket.destroy();
    return starting.map(({ handBack }) => handBack);
  }

  private fail(reason: string): void {
    if (this.down) return;
    const handBacks = this.shutDown();
    // The connection learns first, so the sockets handed back find the next path.
    this.downCallback?.(reason);
    for (const handBack of handBacks) handBack(`the direct path went down: ${reason}`);
  }
}

function connectDirect(
  { host, port }: DirectEndpoint,
  { sessionId, psk }: { sessionId: string; psk: Buffer },
): TLSSocket {
  const socket = tlsConnect({
    host,
    port,
    ...DIRECT_TLS,
    // Half-open both ways, as every hop of Reach's data path is.
    ...({ allowHalfOpen: true } as object),
    pskCallback: () => ({ identity: sessionId, psk }),
    // The key authenticates the agent; there is no certificate to check.
    checkServerIdentity: () => undefined,
  });
  socket.setNoDelay(true);
  // Whoever uses the socket sees its failure as a close; an error must never go unheard.
  socket.on("error", () => socket.destroy());
  return socket;
}
