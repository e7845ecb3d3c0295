// An http.Agent whose sockets are tunnel streams to one device service, so the reverse
// proxy keeps connections to the service alive and reuses them across requests.
import { Agent } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import type { StreamOpener } from "./port-proxy.js";

type CreateConnectionCallback = (error: Error | null, socket?: Duplex) => void;

export function createTunnelHttpAgent(
  openStream: StreamOpener,
  options: { tls: boolean; servername: string },
): Agent {
  // As many idle sockets may be kept as may be open: a smaller free pool would close
  // (and later reopen) tunnel streams whenever more than that many clients pause at once.
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
  // Node calls createConnection with a callback and accepts the socket later, so
  // the stream can be opened asynchronously.
  const createConnection = (_options: unknown, callback: CreateConnectionCallback) => {
    openStream().then(
      (stream) => callback(null, options.tls ? wrapTls(stream, options.servername) : stream),
      (error: Error) => callback(error),
    );
    return undefined;
  };
  (agent as unknown as { createConnection: typeof createConnection }).createConnection =
    createConnection;
  return agent;
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
