// A port proxy: a TCP listener whose admitted visitors are each spliced onto a fresh
// tunnel stream to the service. Refused visitors are closed before a byte is read and
// never reach the device.
import { createServer, type Server, type Socket } from "node:net";
import { splice } from "../../common/stream/splice.js";
import type { LiveConnection } from "../connections/live-connection.js";
import type { AccessPolicy } from "./access-policy.js";

export type StreamOpener = () => Promise<Socket>;

export function createPortProxyServer(
  live: LiveConnection,
  policy: AccessPolicy,
  openStream: StreamOpener,
): Server {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  server.on("connection", (visitor) => {
    if (!policy.admits(visitor.remoteAddress)) {
      visitor.resetAndDestroy();
      return;
    }
    visitor.setNoDelay(true);
    visitor.on("error", () => visitor.destroy());
    live.track(visitor, Date.now());
    openStream().then(
      (stream) => {
        if (visitor.destroyed) {
          stream.destroy();
          return;
        }
        splice(visitor, stream);
        visitor.resume();
      },
      () => visitor.destroy(),
    );
  });
  return server;
}
