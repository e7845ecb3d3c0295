// One pooled data connection: dialled to the broker, upgraded to raw bytes, then idle
// until the broker writes a stream header; after that it is relayed to the service.
// Plain connections (and every connection to a service) read into reusable buffers
// (static-reader.ts); TLS sockets cannot, and are relayed as streams.
import { isIP, connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { follow } from "../common/stream/splice.js";
import { type StaticReader, staticReader } from "../common/stream/static-reader.js";
import { decodeStreamHeader, type ServiceSpec } from "../common/tunnel/protocol.js";
import {
  ANSWER_INCOMPLETE,
  ANSWER_REFUSED,
  DATA_UPGRADE,
  switchedHeadLength,
  upgradeRequestLines,
} from "../common/tunnel/upgrade.js";

export interface DataConnectionOptions {
  broker: URL;
  token: string;
  ca?: string | Buffer;
  /** The service a stream header names, or undefined when it is not one of ours. */
  serviceFor: (serviceId: string) => ServiceSpec | undefined;
  /** Called once the broker has taken this connection (or it closed unused). */
  onTaken: () => void;
  onIdleClose: () => void;
}

export function openDataConnection(options: DataConnectionOptions): Socket {
  const { broker } = options;
  const secure = broker.protocol === "https:";
  const port = Number(broker.port || (secure ? 443 : 80));
  let buffered: Buffer = Buffer.alloc(0);
  let upgraded = false;
  let taken = false;

  /**
   * Bytes before the stream starts: the 101 response, then the stream header. Returns
   * false (pause reading) once the header is complete and the service is being dialled.
   */
  const onPreamble = (chunk: Buffer): boolean => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    if (!upgraded) {
      const headLength = switchedHeadLength(buffered);
      if (headLength === ANSWER_INCOMPLETE) return true;
      if (headLength === ANSWER_REFUSED) {
        socket.destroy();
        return false;
      }
      upgraded = true;
      buffered = buffered.subarray(headLength);
    }
    let decoded: ReturnType<typeof decodeStreamHeader>;
    try {
      decoded = decodeStreamHeader(buffered);
    } catch {
      socket.destroy();
      return false;
    }
    if (!decoded) return true;
    taken = true;
    const service = options.serviceFor(decoded.header.serviceId);
    if (service) relayToService(service, socket, reader, decoded.rest);
    else socket.destroy();
    // The service is dialled first: the visitor waits for it, not for the pool's bookkeeping.
    options.onTaken();
    return false;
  };

  const reader: StaticReader | null = secure ? null : staticReader(onPreamble);
  const socket: Socket = secure
    ? tlsConnect({
        host: broker.hostname,
        port,
        servername: isIP(broker.hostname) ? undefined : broker.hostname,
        // Node honours allowHalfOpen on TLS sockets though its types omit it; without it a
        // visitor's FIN would end the reply direction too.
        ...({ allowHalfOpen: true } as object),
        ca: options.ca,
      })
    : netConnect({
        host: broker.hostname.replace(/^\[|\]$/g, ""),
        port,
        allowHalfOpen: true,
        onread: reader?.onread,
      });
  if (secure) {
    const onData = (chunk: Buffer) => {
      if (!onPreamble(chunk)) {
        socket.off("data", onData);
        socket.pause();
      }
    };
    socket.on("data", onData);
  }
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 30_000);
  socket.write(upgradeRequestLines(DATA_UPGRADE, broker.host, options.token));
  socket.on("error", () => socket.destroy());
  socket.on("close", () => {
    reader?.release();
    if (!taken) options.onIdleClose();
  });
  return socket;
}

/**
 * Dials the service and relays both ways once it answers. The tunnel is paused until
 * then; `early` holds bytes that came with the stream header.
 */
function relayToService(
  service: ServiceSpec,
  tunnel: Socket,
  tunnelReader: StaticReader | null,
  early: Buffer,
): void {
  const targetReader = staticReader();
  const target = netConnect({
    host: service.host,
    port: service.port,
    allowHalfOpen: true,
    onread: targetReader.onread,
  });
  target.setNoDelay(true);
  target.once("close", () => targetReader.release());
  target.once("connect", () => {
    if (tunnel.destroyed) {
      target.destroy();
      return;
    }
    if (early.length > 0) target.write(early);
    targetReader.relayTo(tunnel, target);
    if (tunnelReader) tunnelReader.relayTo(target, tunnel);
    else tunnel.pipe(target);
    follow(tunnel, target);
    follow(target, tunnel);
    tunnel.resume();
  });
  target.once("error", () => {
    target.destroy();
    tunnel.destroy();
  });
}
