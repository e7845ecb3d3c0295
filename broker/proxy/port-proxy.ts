// A port proxy: a TCP listener whose admitted visitors are each spliced onto a fresh
// tunnel stream to the service. Refused visitors are closed before a byte is read and
// never reach the device.
import { createServer, type Server, type Socket } from "node:net";
import { spliceStatic } from "../../common/stream/adopt-static-reads.js";
import type { LiveConnection } from "../connections/live-connection.js";
import type { AccessPolicy } from "./access-policy.js";
import type { PortAllocator } from "./port-allocator.js";

export type StreamOpener = () => Promise<Socket>;

/** An open proxy, a port listener or a host route: close() releases what it holds. */
export interface OpenProxy {
  close(): void;
}

export interface PortProxy extends OpenProxy {
  port: number;
}

/**
 * Opens a port proxy on `port` (a restored connection's) or, when null, on a free port of
 * the range. Null when that port is taken or the range has none free.
 */
export async function openPortProxy(
  live: LiveConnection,
  policy: AccessPolicy,
  openStream: StreamOpener,
  listenOn: { ports: PortAllocator; bind: string; port: number | null },
): Promise<PortProxy | null> {
  const { ports, bind, port } = listenOn;
  const server = createPortProxyServer(live, policy, openStream);
  const got =
    port === null
      ? await ports.listen(bind, server)
      : (await ports.listenOn(bind, server, port))
        ? port
        : null;
  if (got === null) return null;
  return {
    port: got,
    close() {
      server.close();
      ports.release(got);
    },
  };
}

function createPortProxyServer(
  live: LiveConnection,
  policy: AccessPolicy,
  openStream: StreamOpener,
): Server {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  server.on("connection", (visitor) => {
    visitor.on("error", () => visitor.destroy());
    void policy.admits(visitor.remoteAddress).then((admitted) => {
      if (!admitted) {
        visitor.resetAndDestroy();
        return;
      }
      if (!visitor.destroyed) relay(visitor, live, openStream);
    });
  });
  return server;
}

/** Carries an admitted visitor (still paused) onto a fresh tunnel stream. */
function relay(visitor: Socket, live: LiveConnection, openStream: StreamOpener): void {
  visitor.setNoDelay(true);
  live.track(visitor, Date.now());
  openStream().then(
    (stream) => {
      if (visitor.destroyed) {
        stream.destroy();
        return;
      }
      // Both sockets read into reused buffers where they can (adopt-static-reads.ts).
      spliceStatic(visitor, stream);
      visitor.resume();
    },
    () => visitor.destroy(),
  );
}
