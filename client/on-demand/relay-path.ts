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
import type { StreamPath } from "./stream-path.js";

export class RelayPath implements StreamPath {
  readonly kind = "relay" as const;
  private downCallback: ((reason: string) => void) | undefined;
  private down = false;
  private readonly carried = new Set<Socket>();

  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
  ) {}

  carry(socket: Socket): void {
    if (this.down) {
      socket.destroy();
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
    socket.once("close", () => this.carried.delete(socket));
    request.on("upgrade", (_response, relay: Socket, head: Buffer) => {
      if (socket.destroyed) {
        relay.destroy();
        return;
      }
      relay.setNoDelay(true);
      if (head.length > 0) relay.unshift(head);
      splice(socket, relay);
      socket.resume();
    });
    request.on("response", (response) => {
      socket.destroy();
      // 401: the broker no longer knows the session (ended, or the broker restarted).
      if (response.statusCode === 401) this.fail("The broker ended the peer session.");
      else readError(response).then((message) => this.fail(message));
    });
    request.on("error", (error) => {
      socket.destroy();
      this.fail(`Cannot reach the broker's relay: ${error.message}.`);
    });
    request.end();
  }

  onDown(callback: (reason: string) => void): void {
    this.downCallback = callback;
  }

  close(): void {
    this.down = true;
    for (const socket of this.carried) socket.destroy();
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
