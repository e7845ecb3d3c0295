// A tenant's web server for hostile scenarios: answers "tenant NAME" and writes down every
// request that reached it (method, target, Host, body), so a scenario can prove which
// requests a backend saw and that none meant for another tenant (or for nobody) got in.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  url: string;
  host: string;
  body: string;
}

export interface TenantWeb {
  name: string;
  port: number;
  /** Every request that reached this server, in order. */
  seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startTenantWeb(name: string): Promise<TenantWeb> {
  const seen: SeenRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("latin1");
      seen.push({
        method: request.method ?? "",
        url: request.url ?? "",
        host: request.headers.host ?? "",
        body,
      });
      response.writeHead(200, { "content-type": "text/plain" });
      response.end(`tenant ${name} ${request.method} ${request.url} ${body.length}\n`);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    name,
    port: (server.address() as AddressInfo).port,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
