// A STUN responder (RFC 5389 Binding only): tells a peer which address and port its UDP
// packets arrive from, so clients and agents behind NAT can offer server-reflexive ICE
// candidates. Only Binding requests are answered; nothing else is parsed or stored, and a
// request never produces more bytes than it carried plus a fixed 44, so it cannot be used
// to amplify traffic much. Hand-written because the whole need is one message type and
// the npm STUN packages are unmaintained.
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { isIPv4 } from "node:net";
import { crc32 } from "node:zlib";
import ipaddr from "ipaddr.js";

const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;
const FINGERPRINT = 0x8028;
const FINGERPRINT_XOR = 0x5354554e;
const HEADER_BYTES = 20;

export interface StunServer {
  readonly port: number;
  /** Binding requests answered since start. */
  readonly answered: number;
  close(): Promise<void>;
}

export async function startStunServer(host: string, port: number): Promise<StunServer> {
  const socket = createSocket({ type: isIPv4(host) ? "udp4" : "udp6" });
  let answered = 0;
  socket.on("message", (message, from) => {
    const reply = bindingResponse(message, from);
    if (!reply) return;
    answered++;
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  // A lost datagram is the only failure UDP knows; nothing to report per packet.
  socket.on("error", () => {});
  return {
    port: socket.address().port,
    get answered() {
      return answered;
    },
    close: () => closeSocket(socket),
  };
}

/** The Binding success response to `request`, or null when it is not a Binding request. */
export function bindingResponse(request: Buffer, from: RemoteInfo): Buffer | null {
  if (request.length < HEADER_BYTES) return null;
  if (request.readUInt16BE(0) !== BINDING_REQUEST) return null;
  if (request.readUInt32BE(4) !== MAGIC_COOKIE) return null;
  if (request.readUInt16BE(2) !== request.length - HEADER_BYTES) return null;
  const transactionId = request.subarray(8, HEADER_BYTES);

  const address = xorMappedAddress(from, transactionId);
  const response = Buffer.alloc(HEADER_BYTES + 4 + address.length + 8);
  response.writeUInt16BE(BINDING_SUCCESS, 0);
  response.writeUInt16BE(response.length - HEADER_BYTES, 2);
  response.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(response, 8);
  response.writeUInt16BE(XOR_MAPPED_ADDRESS, HEADER_BYTES);
  response.writeUInt16BE(address.length, HEADER_BYTES + 2);
  address.copy(response, HEADER_BYTES + 4);
  const fingerprintAt = response.length - 8;
  response.writeUInt16BE(FINGERPRINT, fingerprintAt);
  response.writeUInt16BE(4, fingerprintAt + 2);
  const fingerprint = (crc32(response.subarray(0, fingerprintAt)) ^ FINGERPRINT_XOR) >>> 0;
  response.writeUInt32BE(fingerprint, fingerprintAt + 4);
  return response;
}

function xorMappedAddress(from: RemoteInfo, transactionId: Buffer): Buffer {
  const parsed = ipaddr.process(from.address.split("%")[0] ?? "");
  const addressBytes = parsed.toByteArray();
  const value = Buffer.alloc(4 + addressBytes.length);
  value.writeUInt8(parsed.kind() === "ipv4" ? 0x01 : 0x02, 1);
  value.writeUInt16BE(from.port ^ (MAGIC_COOKIE >>> 16), 2);
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4);
  for (let i = 0; i < addressBytes.length; i++) {
    value[4 + i] = (addressBytes[i] ?? 0) ^ (mask[i] ?? 0);
  }
  return value;
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
