// The agent's end of the direct path (common/p2p/direct-link.ts): one TLS-PSK listener for
// every peer session, opened with the first offer. A session's connections are admitted
// from the answer that offers its endpoints until the broker ends the session; each one is
// spliced to the session's service. Today's clients send DIRECT_MUX and carry every socket
// of the path as a stream on that one connection (common/p2p/direct-mux.ts); older ones
// send DIRECT_START per socket beside one DIRECT_WATCH keepalive, still served here.
import { type AddressInfo, connect as netConnect } from "node:net";
import { networkInterfaces } from "node:os";
import { createServer, type Server, type TLSSocket } from "node:tls";
import {
  DIRECT_READY,
  DIRECT_START,
  DIRECT_TLS,
  DIRECT_WATCH,
  type DirectEndpoint,
  directKey,
  MAX_DIRECT_ENDPOINTS,
} from "../common/p2p/direct-link.js";
import { DIRECT_MUX } from "../common/p2p/direct-mux.js";
import { MuxLink } from "../common/p2p/direct-mux-link.js";
import { splice } from "../common/stream/splice.js";
import type { ServiceSpec } from "../common/tunnel/protocol.js";

interface DirectSession {
  key: Buffer;
  service: ServiceSpec;
}

export class DirectListener {
  private listening: Promise<Server> | null = null;
  private readonly sessions = new Map<string, DirectSession>();
  /** Every direct connection open now, closed with the listener. */
  private readonly open = new Set<TLSSocket>();
  /** The session each connection presented, set during its handshake. */
  private readonly presented = new WeakMap<TLSSocket, DirectSession>();
  /** Streams carried since start, for stats and tests. */
  streams = 0;
  /** Multiplexed links accepted since start (one per client path), for tests. */
  links = 0;
  /** Streams opened on a link whose service connection is not through yet. */
  dialing = 0;

  constructor(
    /** Listen on this address only; otherwise on all, offering the non-loopback ones. */
    private readonly bindAddress: string | undefined,
    /** The agent's peer-to-peer counters, which the direct path's streams and bytes join. */
    private readonly counters: { sent: number; received: number; streams: number },
    private readonly log: (message: string) => void,
  ) {}

  /** Admits the session's connections; the endpoints to offer (none if it cannot listen). */
  async admit(sessionId: string, token: string, service: ServiceSpec): Promise<DirectEndpoint[]> {
    this.sessions.set(sessionId, { key: directKey(sessionId, token), service });
    try {
      const server = await this.listen();
      return endpointsFor(this.bindAddress, (server.address() as AddressInfo).port);
    } catch (error) {
      this.log(`agent: no direct path: ${(error as Error).message}`);
      return [];
    }
  }

  /** The sessions whose connections are admitted now. */
  sessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  /** The broker ended the session: its key no longer opens anything. */
  forget(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  close(): void {
    this.sessions.clear();
    for (const socket of this.open) socket.destroy();
    void this.listening?.then((server) => server.close()).catch(() => {});
    this.listening = null;
  }

  private listen(): Promise<Server> {
    this.listening ??= new Promise((resolve, reject) => {
      const server = createServer({
        ...DIRECT_TLS,
        // Half-open both ways, as every hop of Reach's data path is.
        ...({ allowHalfOpen: true } as object),
        pskCallback: (socket, identity) => {
          const session = this.sessions.get(identity);
          if (!session) return null;
          this.presented.set(socket, session);
          return session.key;
        },
      });
      server.on("secureConnection", (socket) => this.carry(socket));
      // A handshake with a wrong key or none fails here: nothing was read from the service.
      server.on("tlsClientError", (_error, socket) => socket.destroy());
      server.once("error", (error) => {
        this.listening = null;
        reject(error);
      });
      server.listen(0, this.bindAddress ?? "0.0.0.0", () => {
        server.unref();
        resolve(server);
      });
    });
    return this.listening;
  }

  /** Waits for the client's start byte (a probe closes without one), then dials. */
  private carry(socket: TLSSocket): void {
    const session = this.presented.get(socket);
    if (!session) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.open.add(socket);
    socket.once("close", () => this.open.delete(socket));
    socket.once("error", () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      if (first[0] === DIRECT_MUX) {
        this.serveMux(socket, session.service, first.subarray(1));
        return;
      }
      if (first[0] === DIRECT_WATCH) {
        // The client's keepalive: every byte comes back.
        if (first.length > 1) socket.write(first.subarray(1));
        socket.on("data", (more: Buffer) => socket.write(more));
        return;
      }
      socket.pause();
      if (first[0] !== DIRECT_START) {
        socket.destroy();
        return;
      }
      this.streams++;
      this.counters.streams++;
      socket.once("close", () => {
        this.counters.received += socket.bytesRead - 1;
        this.counters.sent += socket.bytesWritten;
      });
      const { host, port } = session.service;
      const target = netConnect({ host, port, allowHalfOpen: true });
      target.setNoDelay(true);
      target.once("connect", () => {
        socket.write(Buffer.of(DIRECT_READY));
        if (first.length > 1) target.write(first.subarray(1));
        splice(socket, target);
        socket.resume();
      });
      target.once("error", () => {
        target.destroy();
        socket.destroy();
      });
    });
  }

  /** One client's link: each stream it opens is one connection to the service. */
  private serveMux(socket: TLSSocket, service: ServiceSpec, rest: Buffer): void {
    const { host, port } = service;
    this.links++;
    const link: MuxLink = new MuxLink(
      socket,
      "agent",
      {
        opened: (id) => {
          const target = netConnect({ host, port, allowHalfOpen: true });
          target.setNoDelay(true);
          this.dialing++;
          let dialed = false;
          const through = () => {
            if (!dialed) this.dialing--;
            dialed = true;
          };
          target.once("connect", () => {
            through();
            if (!link.isPending(id)) {
              target.destroy(); // the client gave up meanwhile
              return;
            }
            this.streams++;
            this.counters.streams++;
            link.ready(id, target);
          });
          target.once("error", (error) => {
            through();
            target.destroy();
            link.refuse(id, `the agent could not reach ${host}:${port}: ${error.message}`);
          });
        },
        closed: (reason, broken) => {
          if (broken) this.log(`agent: closed a direct link: ${reason}`);
        },
      },
      this.counters,
    );
    if (rest.length > 0) link.push(rest);
  }
}

/** The bind address when there is one; else this machine's non-loopback addresses. */
function endpointsFor(bindAddress: string | undefined, port: number): DirectEndpoint[] {
  if (bindAddress && bindAddress !== "0.0.0.0" && bindAddress !== "::") {
    return [{ host: bindAddress, port }];
  }
  const hosts = Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry && !entry.internal && entry.family === "IPv4")
    .map((entry) => entry?.address as string);
  return hosts.slice(0, MAX_DIRECT_ENDPOINTS).map((host) => ({ host, port }));
}
