// The direct path (common/p2p/direct-link.ts): the local sockets of a path are streams on
// one TLS-PSK connection straight to one of the agent's own addresses (the frames:
// common/p2p/direct-mux.ts), found by trying them all at once when the path opens. It is
// peer to peer, like the WebRTC path, but the kernel carries the bytes, so it costs what
// the relay costs rather than what libdatachannel costs; and a socket costs a frame, not a
// TLS handshake.
import type { Socket } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import type { PeerSessionView } from "../../common/graphql/schema.js";
import { DIRECT_TLS, type DirectEndpoint, directKey } from "../../common/p2p/direct-link.js";
import { DIRECT_MUX, MAX_STREAMS } from "../../common/p2p/direct-mux.js";
import { MuxLink } from "../../common/p2p/direct-mux-link.js";
import type { HandBack, StreamPath } from "./stream-path.js";

/** An endpoint that has not finished its handshake by then is not on a direct path. */
const PROBE_WAIT_MS = 1_000;

export class DirectPath implements StreamPath {
  readonly kind = "p2p" as const;
  private downCallback: ((reason: string) => void) | undefined;
  private down = false;
  private readonly carried = new Set<Socket>();
  /**
   * Streams opened whose READY has not come. Their sockets' first bytes went out already
   * (direct-mux.ts); should the link fail now, the link gives the bytes back to the socket,
   * which is handed back as if none had been read.
   */
  private readonly starting = new Map<number, { socket: Socket; handBack: HandBack }>();
  private readonly link: MuxLink;

  /** `connection`: the probe that won, already through its handshake. */
  private constructor(connection: TLSSocket) {
    connection.write(Buffer.of(DIRECT_MUX));
    this.link = new MuxLink(connection, "client", {
      ready: (id) => this.started(id),
      refused: (id) => {
        // The agent could not reach the service: another path would not either.
        // (The link has already given the socket back its early bytes.)
        const entry = this.starting.get(id);
        this.starting.delete(id);
        entry?.socket.destroy();
      },
      closed: (reason) => this.fail(reason),
    });
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
      return new Promise<TLSSocket>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no handshake in time")), PROBE_WAIT_MS);
        socket.once("secureConnect", () => {
          clearTimeout(timer);
          resolve(socket);
        });
        socket.once("error", (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    });
    let won: TLSSocket;
    try {
      won = await Promise.any(probes);
    } catch {
      for (const socket of sockets) socket.destroy();
      throw new Error("None of the agent's addresses answered directly.");
    }
    // The others close before any byte: the agent dials nothing for them.
    for (const socket of sockets) if (socket !== won) socket.destroy();
    return new DirectPath(won);
  }

  carry(socket: Socket, handBack: HandBack): void {
    if (this.down) {
      handBack("the direct path is down");
      return;
    }
    if (this.link.size >= MAX_STREAMS) {
      handBack("every stream of the direct path is in use");
      return;
    }
    const id = this.link.open();
    this.starting.set(id, { socket, handBack });
    this.link.attach(id, socket, true);
    socket.resume();
  }

  /** The agent reached the service: the socket is carried for good now. */
  private started(id: number): void {
    const entry = this.starting.get(id);
    this.starting.delete(id);
    if (!entry || entry.socket.destroyed) return; // its close already reset the stream
    const { socket } = entry;
    this.carried.add(socket);
    socket.once("close", () => this.carried.delete(socket));
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
    const starting = [...this.starting.values()];
    this.starting.clear();
    this.link.close();
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
    pskCallback: () => ({ identity: sessionId, psk }),
    // The key authenticates the agent; there is no certificate to check.
    checkServerIdentity: () => undefined,
  });
  socket.setNoDelay(true);
  // Whoever uses the socket sees its failure as a close; an error must never go unheard.
  socket.on("error", () => socket.destroy());
  return socket;
}
