// The open reverse-proxy routes, by Host. Opening a connection's route returns the handle
// that closes it: the route leaves the table and its pool of tunnel connections is closed.
import { serviceTypeByApplication } from "../../common/service-types.js";
import type { LiveConnection } from "../connections/live-connection.js";
import type { OpenProxy, StreamOpener } from "./port-proxy.js";
import { type ReverseRoute, servernameFor } from "./reverse-proxy.js";
import { TunnelHttpPool } from "./tunnel-http-pool.js";

export class ReverseRoutes {
  private readonly byHost = new Map<string, ReverseRoute>();

  /** Serves `live` at its row's host until the returned handle is closed. */
  open(live: LiveConnection, openStream: StreamOpener): OpenProxy {
    const host = live.row.host;
    const tls = serviceTypeByApplication(live.service.application)?.scheme === "https";
    const servername = servernameFor(live.service.host);
    const pool = new TunnelHttpPool(openStream, { tls, servername });
    this.byHost.set(host, { live, pool, openStream, tls, servername });
    return {
      close: () => {
        this.byHost.delete(host);
        void pool.destroy().catch(() => {});
      },
    };
  }

  /** The route for a request's Host, if one is open. */
  routeFor(hostname: string): ReverseRoute | undefined {
    return this.byHost.get(hostname);
  }
}
