// The sockets using one public link, so disabling or removing it closes them at once.
import type { Socket } from "node:net";

export class LinkVisitors {
  private readonly sockets = new Set<Socket>();

  track(socket: Socket, _now: number): void {
    if (this.sockets.has(socket)) return;
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }

  closeAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
