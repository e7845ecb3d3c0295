// The broker's two public sockets: the one TCP listener (HTTP or TLS) and the STUN
// responder on UDP. Made before the parts, so those that print a port (reverse-proxy URLs,
// agents' welcome, peer sessions) can be handed a getter for it; bound only once the parts
// exist and restored connections are back, so nothing is accepted before that.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { messageOf } from "../common/result.js";
import type { BrokerConfig } from "./config.js";
import { type StunServer, startStunServer } from "./p2p/stun-server.js";

export class BrokerListeners {
  private server: Server | null = null;
  private stunServer: StunServer | null = null;

  constructor(private readonly config: BrokerConfig) {}

  /** The TCP port: the configured one until bound, then the one the OS gave. */
  get port(): number {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address?.port ?? this.config.listenPort;
  }

  /** The STUN responder, or null when it is off or not started yet. */
  get stun(): StunServer | null {
    return this.stunServer;
  }

  get stunPort(): number | null {
    return this.stunServer?.port ?? null;
  }

  /** Listens with `server`, then starts STUN on the port the config names. */
  async open(server: Server): Promise<void> {
    const { listenHost, listenPort, stunPort } = this.config;
    try {
      await listen(server, listenHost, listenPort);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        code === "EADDRINUSE"
          ? `Cannot listen on ${listenHost}:${listenPort}: the port is in use (is another broker running?).`
          : `Cannot listen on ${listenHost}:${listenPort}: ${code ?? messageOf(error)}.`,
      );
    }
    this.server = server;
    if (stunPort === null) return;
    const udpPort = stunPort === "listen" ? this.port : stunPort;
    try {
      this.stunServer = await startStunServer(listenHost, udpPort);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        `Cannot serve STUN on UDP ${listenHost}:${udpPort}: ${code === "EADDRINUSE" ? "the port is in use" : (code ?? messageOf(error))} (choose another with --stun-port, or --stun-port off).`,
      );
    }
  }

  /** Stops STUN, then the listener and every connection it still holds; safe to repeat. */
  async close(): Promise<void> {
    const { server, stunServer } = this;
    this.stunServer = null;
    await stunServer?.close();
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
