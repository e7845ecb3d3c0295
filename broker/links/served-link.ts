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
import { createTunnelHttpPool } from "../proxy/tunnel-http-pool.js";
import type { LinkRow, ServiceRow } from "../store/store.js";
import { type GateVerdict, LinkGate } from "./link-gate.js";
import { LinkVisitors } from "./link-visitors.js";

const REFUSALS: Record<Exclude<GateVerdict, "pass">, { status: number; text: string }> = {
  forbidden: { status: 403, text: "Forbidden" },
  unauthorized: { status: 401, text: "Unauthorized" },
  busy: { status: 429, text: "Too Many Requests" },
};
const AUTHENTICATE = 'Basic realm="Reach public link", charset="UTF-8"';

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
    const pool = createTunnelHttpPool(openStream, { tls, servername });
    this.route = { live: this.visitors, pool, openStream, tls, servername };
  }

  async serve(
    request: IncomingMessage,
    response: ServerResponse,
    scheme: "http" | "https",
  ): Promise<void> {
    const verdict = await this.gate.check(request);
    if (verdict !== "pass") {
      const { status, text } = REFUSALS[verdict];
      const headers: Record<string, string> = { "content-type": "text/plain" };
      if (verdict === "unauthorized") headers["www-authenticate"] = AUTHENTICATE;
      if (verdict === "busy") headers["retry-after"] = "1";
      response.writeHead(status, headers).end(`${text}\n`);
      return;
    }
    if (!this.deviceOnline()) {
      response.writeHead(503, { "content-type": "text/plain" }).end("The device is offline.\n");
      return;
    }
    this.dropLinkCredentials(request);
    proxyRequest(this.route, request, response, scheme);
  }

  async serveUpgrade(
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    scheme: "http" | "https",
  ): Promise<void> {
    const verdict = await this.gate.check(request);
    if (verdict !== "pass") {
      const { status, text } = REFUSALS[verdict];
      const authenticate =
        verdict === "unauthorized" ? `WWW-Authenticate: ${AUTHENTICATE}\r\n` : "";
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\n${authenticate}Connection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      return;
    }
    if (!this.deviceOnline()) {
      socket.end(
        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
      );
      return;
    }
    this.dropLinkCredentials(request);
    proxyUpgrade(this.route, request, socket, head, scheme);
  }

  /** The Authorization header carried the link's password, which is not the service's. */
  private dropLinkCredentials(request: IncomingMessage): void {
    if (this.gate.hasPassword) delete request.headers.authorization;
  }

  close(): void {
    this.visitors.closeAll();
    void this.route.pool.destroy().catch(() => {});
  }
}
