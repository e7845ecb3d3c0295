// The relay of on-demand connections: when no peer-to-peer path opens, the client carries
// each local socket here instead, on a connection upgraded with its peer session's token,
// and the broker splices it onto a tunnel stream to the service like a port proxy would.
// A token of another node's session (a load balancer sent the stream here) is checked with
// that node, and the stream reaches the device from here (a dial), not through that node;
// its bytes are then counted here, not in the session's figures.
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { splice } from "../../common/stream/splice.js";
import { RELAY_UPGRADE, upgradeToken } from "../../common/tunnel/upgrade.js";
import { refuseUpgrade } from "../tunnel/refuse-upgrade.js";
import type { TunnelGateway } from "../tunnel/tunnel-gateway.js";
import type { PeerSession, PeerSessions } from "./peer-sessions.js";

/** What a relay stream needs of its session, wherever the session lives. */
export type RelayTarget = Pick<
  PeerSession,
  "deviceId" | "serviceId" | "relayStreams" | "relayBytesUp" | "relayBytesDown" | "liveStreams"
>;

/** Another node's session for this token, asked of the node it names; null when none. */
export type RemoteRelayLookup = (token: string) => Promise<RelayTarget | null>;

export function handleRelayUpgrade(
  sessions: PeerSessions,
  gateway: TunnelGateway,
  request: IncomingMessage,
  socket: Socket,
  head: Buffer,
  remote: RemoteRelayLookup = async () => null,
): void {
  const token = upgradeToken(RELAY_UPGRADE, request.headers);
  const local = token ? sessions.byRelayToken(token) : undefined;
  if (local || !token) {
    relay(local, gateway, socket, head);
    return;
  }
  socket.pause();
  remote(token).then(
    (target) => relay(target ?? undefined, gateway, socket, head),
    () => refuseUpgrade(socket, 503, "The broker node holding this peer session did not answer."),
  );
}

function relay(
  session: RelayTarget | undefined,
  gateway: TunnelGateway,
  socket: Socket,
  head: Buffer,
): void {
  if (!session) {
    refuseUpgrade(socket, 401, "Unknown or ended peer session.");
    return;
  }
  socket.pause();
  gateway.openStream(session.deviceId, session.serviceId).then(
    (stream) => {
      if (socket.destroyed) {
        stream.destroy();
        return;
      }
      // Half-open, as every hop of the data path is. Node's HTTP server makes its sockets
      // so, its HTTPS server does not: behind an HTTPS broker the relay closed its reply
      // direction at the client's FIN, and an upload never got its answer.
      socket.allowHalfOpen = true;
      socket.write(RELAY_UPGRADE.switched);
      // The 101's bytes are not the service's: count from here.
      const writtenBefore = socket.bytesWritten;
      const readBefore = socket.bytesRead - head.length;
      if (head.length > 0) socket.unshift(head);
      socket.setNoDelay(true);
      session.relayStreams++;
      session.liveStreams.set(socket, { readBefore, writtenBefore });
      socket.once("close", () => {
        session.liveStreams.delete(socket);
        session.relayBytesUp += socket.bytesRead - readBefore;
        session.relayBytesDown += socket.bytesWritten - writtenBefore;
      });
      splice(socket, stream);
      socket.resume();
    },
    (error: Error) => refuseUpgrade(socket, 503, error.message),
  );
}
