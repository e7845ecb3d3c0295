// The services benchmarks and torture runs reach, in a process of their own so that the
// load generator and the targets do not share an event loop: a bulk sink/source, a 1-byte echo, and an
// HTTP server with a small and a 1 MiB response. Reports its ports over IPC.
import { fork } from "node:child_process";
import { once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { startBulkService } from "./tcp-load.js";

export interface TargetPorts {
  bulk: number;
  echo: number;
  http: number;
}

const SMALL = Buffer.from("hello, reach\n");
const LARGE = Buffer.alloc(1024 * 1024, 0x61);

async function serve(): Promise<void> {
  const bulk = await startBulkService();
  const echo = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on("error", () => socket.destroy());
    socket.pipe(socket);
  });
  echo.listen(0, "127.0.0.1");
  await once(echo, "listening");
  const http = createHttpServer((request, response) => {
    const body = request.url === "/1m" ? LARGE : SMALL;
    response.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": body.length,
    });
    response.end(body);
  });
  http.keepAliveTimeout = 60_000;
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const ports: TargetPorts = {
    bulk: bulk.port,
    echo: (echo.address() as AddressInfo).port,
    http: (http.address() as AddressInfo).port,
  };
  process.send?.(ports);
}

export async function startTargetsProcess(): Promise<TargetPorts & { pid: number; stop(): void }> {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], {
    execArgv: ["--import", "tsx"],
    stdio: "ignore",
  });
  const [ports] = (await once(child, "message")) as [TargetPorts];
  return { ...ports, pid: child.pid ?? 0, stop: () => child.kill() };
}

if (process.argv.includes("--serve")) await serve();
