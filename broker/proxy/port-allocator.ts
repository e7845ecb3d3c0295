// Hands out ports of the proxy range for port-proxy listeners. A port is reserved the
// moment it is handed out, so concurrent connects never race for the same one; ports
// the OS says are busy (another program) are skipped.
import type { Server } from "node:net";

const MAX_ATTEMPTS = 64;

export class PortAllocator {
  private readonly reserved = new Set<number>();

  constructor(
    private readonly low: number,
    private readonly high: number,
  ) {}

  get size(): number {
    return this.high - this.low + 1;
  }

  get inUse(): number {
    return this.reserved.size;
  }

  /** Listens on a free port of the range; null when none could be found. */
  async listen(bind: string, server: Server): Promise<number | null> {
    if (this.reserved.size >= this.size) return null;
    let candidate = this.low + Math.floor(Math.random() * this.size);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      while (this.reserved.has(candidate)) {
        candidate = candidate >= this.high ? this.low : candidate + 1;
      }
      const port = candidate;
      this.reserved.add(port);
      if (await tryListen(server, bind, port)) return port;
      this.reserved.delete(port);
      candidate = port >= this.high ? this.low : port + 1;
    }
    return null;
  }

  /** Listens on one named port (a connection restored after a restart). */
  async listenOn(bind: string, server: Server, port: number): Promise<boolean> {
    if (this.reserved.has(port)) return false;
    this.reserved.add(port);
    if (await tryListen(server, bind, port)) return true;
    this.reserved.delete(port);
    return false;
  }

  release(port: number): void {
    this.reserved.delete(port);
  }
}

function tryListen(server: Server, host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onError = () => {
      server.off("listening", onListening);
      resolve(false);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve(true);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen({ host, port, exclusive: true, backlog: 1024 });
  });
}
