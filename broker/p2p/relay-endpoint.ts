// The relay of on-demand connections: when no peer-to-peer path opens, the client carries
// each local socket here instead, on a connection upgraded with its peer session's token,
// and the broker splices it onto a tunnel stream to the service like a port proxy would.
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { splice } from "../../common/stream/splice.js";
import { RELAY_UPGRADE, upgradeToken } from "../../common/tunnel/upgrade.js";
import { refuseUpgrade } from "../tunnel/refuse-upgrade.js";
import type { TunnelGateway } from "../tunnel/tunnel-gateway.js";
import type { PeerSessions } from "./peer-sessions.js";

export function handleRelayUpgrade(
  sessions: PeerSessions,
  gateway: TunnelGateway,
  request: IncomingMessage,
  socket: Socket,
  head: Buffer,
): void {
  const token = upgradeToken(RELAY_UPGRADE, request.headers);
  const session = token ? sessions.byRelayToken(token) : undefined;
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
