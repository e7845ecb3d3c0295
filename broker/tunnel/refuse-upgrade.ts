// Refusing an HTTP upgrade: the refusal common/tunnel/upgrade.ts spells, and the connection closed.
import type { Socket } from "node:net";
import { refusalResponse } from "../../common/tunnel/upgrade.js";

export function refuseUpgrade(socket: Socket, status: number, message: string): void {
  socket.end(refusalResponse(status, message));
}
