// Refusing an HTTP upgrade: a short JSON error and the connection closed.
import type { Socket } from "node:net";

export function refuseUpgrade(socket: Socket, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
