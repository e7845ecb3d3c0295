// Proxy failover: each local socket gets its own connection to the broker, upgraded on
// /tunnel/v1/relay with the peer session's token, and spliced onto it. The broker counts
// these bytes against the session.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { type NetConnectOpts, connect as netConnect, type Socket } from "node:net";
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import { splice } from "../../common/stream/splice.js";
import {
  RELAY_UPGRADE,
  refusalMessage,
  upgradeRequestHeaders,
} from "../../common/tunnel/upgrade.js";
import type { HandBack, StreamPath } from "./stream-path.js";

export class RelayPath implements StreamPath {
  readonly kind = "relay" as const;
  private downCallback: ((reason: string) => void) | undefined;
  private down = false;
  private readonly carried = new Set<Socket>();
  /** Sockets whose upgrade has not been answered: nothing of theirs moved yet. */
  private readonly starting = new Map<Socket, HandBack>();

  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
  ) {}

  carry(socket: Socket, handBack: HandBack): void {
    if (this.down) {
      handBack("the relay path is down");
      return;
    }
    const url = new URL(RELAY_UPGRADE.path, this.apiUrl);
    const secure = url.protocol === "https:";
    const request = (secure ? httpsRequest : httpRequest)(url, {
      agent: false,
      headers: upgradeRequestHeaders(RELAY_UPGRADE, this.token),
      // Half-open both ways, as every hop of Reach's data path is.
      createConnection: (options: object) =>
        secure
          ? tlsConnect({
              ...(options as ConnectionOptions),
              allowHalfOpen: true,
            } as ConnectionOptions)
          : netConnect({ ...(options as NetConnectOpts), allowHalfOpen: true }),
    });
    this.carried.add(socket);
    this.starting.set(socket, handBack);
    const forget = () => this.carried.delete(socket);
    socket.once("close", forget);
    /** Whether the socket was still waiting (then it is handed back, not reset). */
    const unstarted = (): HandBack | undefined => {
      const waiting = this.starting.get(socket);
      this.starting.delete(socket);
      if (waiting) {
        this.carried.delete(socket);
        socket.off("close", forget);
      }
      return waiting;
    };
    request.on("upgrade", (_response, relay: Socket, head: Buffer) => {
      if (!unstarted() || socket.destroyed) {
        relay.destroy();
        return;
      }
      relay.setNoDelay(true);
      if (head.length > 0) relay.unshift(head);
      splice(socket, relay);
      socket.resume();
    });
    request.on("response", (response) => {
      const waiting = unstarted();
      // 401: the broker no longer knows the session (ended, or the broker restarted).
      if (response.statusCode === 401) {
        response.resume();
        this.fail("The broker ended the peer session.");
        waiting?.("The broker ended the peer session.");
        return;
      }
      // Any other refusal (503: the device is offline) is this socket's: it is placed
      // again, and the path stays for the others.
      readError(response).then((message) => waiting?.(message));
    });
    request.on("error", (error) => {
      const waiting = unstarted();
      const message = `Cannot reach the broker's relay: ${error.message}.`;
      this.fail(message);
      if (waiting) waiting(message);
      else socket.destroy();
    });
    request.end();
  }

  onDown(callback: (reason: string) => void): void {
    this.downCallback = callback;
  }

  close(): void {
    this.down = true;
    const starting = [...this.starting];
    this.starting.clear();
    for (const [socket] of starting) this.carried.delete(socket);
    for (const socket of this.carried) socket.destroy();
    for (const [, handBack] of starting) handBack("the relay path closed");
  }

  private fail(reason: string): void {
    if (this.down) return;
    this.close();
    this.downCallback?.(reason);
  }
}

async function readError(
  response: NodeJS.ReadableStream & { statusCode?: number },
): Promise<string> {
  let body = "";
  for await (const chunk of response) body += String(chunk);
  return refusalMessage(body) ?? `The broker's relay answered HTTP ${response.statusCode}.`;
}
