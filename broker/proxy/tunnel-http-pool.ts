// An HTTP client pool whose connections are tunnel streams to one device service, so the
// reverse proxy keeps connections to the service alive and reuses them across requests.
// undici rather than node:http's Agent: in a side-by-side run its dispatch path spent
// about 30% less CPU per proxied request (32 against 38–46 µs) and served 20–40% more
// requests per second, and it honours the service's Keep-Alive timeout instead of reusing
// a connection the service is closing.
import type { Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { Pool } from "undici";
import type { StreamOpener } from "./port-proxy.js";

type ConnectCallback = (error: Error | null, socket: Socket | null) => void;

export function createTunnelHttpPool(
  openStream: StreamOpener,
  options: { tls: boolean; servername: string },
): Pool {
  const connect = (_options: unknown, callback: ConnectCallback) => {
    openStream().then(
      (stream) => {
        if (!options.tls) {
          callback(null, stream);
          return;
        }
        const secure = wrapTls(stream, options.servername);
        secure.once("secureConnect", () => callback(null, secure));
        secure.once("error", (error) => callback(error, null));
      },
      (error: Error) => callback(error, null),
    );
  };
  // The origin only names the pool: every connection comes from `connect`, and each
  // request carries the visitor's own Host.
  return new Pool("http://service.invalid", {
    connect: connect as never,
    // As many as the visitors may need at once; idle ones are closed after the service's
    // Keep-Alive hint (or 4 s).
    connections: 256,
    pipelining: 1,
    // No time limits of the client's own: streams and long polls may stay quiet for hours;
    // the visitor's side and the connection's lifetime bound them.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}

/**
 * An https service's certificate is usually self-signed on the device; like remote.it,
 * the reverse proxy encrypts to it without verifying, and the public side is the
 * broker's own TLS.
 */
export function wrapTls(stream: Socket, servername: string): Socket {
  return tlsConnect({
    socket: stream,
    rejectUnauthorized: false,
    ...(servername ? { servername } : {}),
  });
}
