// One enabled public link being served: its gate, its pool of tunnel connections to the
// web service, and the visitors using it. A request or upgrade passes the gate before
// anything reaches the device; the link's password never travels on to the service.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { serviceTypeByApplication } from "../../common/service-types.js";
import type { StreamOpener } from "../proxy/port-proxy.js";
import {
  proxyRequest,
  proxyUpgrade,
  type ReverseRoute,
  servernameFor,
} from "../proxy/reverse-proxy.js";
import { TunnelHttpPool } from "../proxy/tunnel-http-pool.js";
import type { LinkRow, ServiceRow } from "../store/store.js";
import { type GateVerdict, LinkGate } from "./link-gate.js";
import { LinkVisitors } from "./link-visitors.js";

/** Why a visitor is turned away before anything reaches the device. */
interface Refusal {
  status: number;
  text: string;
  headers: Record<string, string>;
}

const AUTHENTICATE = 'Basic realm="Reach public link", charset="UTF-8"';
const REFUSALS: Record<Exclude<GateVerdict, "pass"> | "offline", Refusal> = {
  forbidden: { status: 403, text: "Forbidden", headers: {} },
  unauthorized: {
    status: 401,
    text: "Unauthorized",
    headers: { "WWW-Authenticate": AUTHENTICATE },
  },
  busy: { status: 429, text: "Too Many Requests", headers: { "Retry-After": "1" } },
  offline: { status: 503, text: "Service Unavailable", headers: {} },
};

export class ServedLink {
  private readonly gate: LinkGate;
  private readonly visitors = new LinkVisitors();
  private readonly route: ReverseRoute;

  constructor(
    readonly row: LinkRow,
    readonly service: ServiceRow,
    openStream: StreamOpener,
    private readonly deviceOnline: () => boolean,
  ) {
    this.gate = new LinkGate(row);
    const tls = serviceTypeByApplication(service.application)?.scheme === "https";
    const servername = servernameFor(service.host);
    const pool = new TunnelHttpPool(openStream, { tls, servername });
    this.route = { live: this.visitors, pool, openStream, tls, servername };
  }

  async serve(
    request: IncomingMessage,
    response: ServerResponse,
    scheme: "http" | "https",
  ): Promise<void> {
    const refusal = await this.refusalFor(request);
    if (refusal) {
      response
        .writeHead(refusal.status, { ...refusal.headers, "content-type": "text/plain" })
        .end(`${refusal.text}\n`);
      return;
    }
    proxyRequest(this.route, request, response, scheme);
  }

  async serveUpgrade(
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    scheme: "http" | "https",
  ): Promise<void> {
    const refusal = await this.refusalFor(request);
    if (refusal) {
      const lines = [`HTTP/1.1 ${refusal.status} ${refusal.text}`];
      for (const [name, value] of Object.entries(refusal.headers)) lines.push(`${name}: ${value}`);
      socket.end(`${lines.join("\r\n")}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    proxyUpgrade(this.route, request, socket, head, scheme);
  }

  /**
   * Null when the visitor may go on (its link credentials then removed from the request:
   * the password is the link's, not the service's); otherwise why not.
   */
  private async refusalFor(request: IncomingMessage): Promise<Refusal | null> {
    const verdict = await this.gate.check(request);
    if (verdict !== "pass") return REFUSALS[verdict];
    if (!this.deviceOnline()) return REFUSALS.offline;
    if (this.gate.hasPassword) delete request.headers.authorization;
    return null;
  }

  close(): void {
    this.visitors.closeAll();
    void this.route.pool.destroy().catch(() => {});
  }
}
