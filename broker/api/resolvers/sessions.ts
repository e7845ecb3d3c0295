// login { sessions }, Service.sessions and Connection.session: the visitors on the caller's
// connections, from the live connections in memory (a session ends with its socket).
import type { ConnectionView } from "../../../common/graphql/schema.js";
import { LATCHING_HOST_IP } from "../../../common/host-ip.js";
import type { LiveConnection } from "../../connections/live-connection.js";
import type { VisitorSession } from "../../connections/visitor-session.js";
import type { ConnectionRow, ServiceRow, User } from "../../store/store.js";
import type { ApiContext, ResolverDeps } from "./context.js";
import { serviceRef, userRef } from "./references.js";

/** What a Session field resolves from: the session and the connection it came through. */
export interface SessionParent {
  session: VisitorSession;
  row: ConnectionRow;
  service: ServiceRow;
}

function sessionsOf(lives: LiveConnection[]): SessionParent[] {
  return lives.flatMap((live) =>
    live.sessions().map((session) => ({ session, row: live.row, service: live.service })),
  );
}

export function sessionResolvers({ connections }: ResolverDeps) {
  return {
    User: {
      sessions: (user: User) => sessionsOf(connections.liveConnectionsOf(user.id)),
    },
    Service: {
      sessions: ({ service }: { service: ServiceRow }, _: unknown, context: ApiContext) =>
        sessionsOf(
          connections
            .liveConnectionsOf(context.user.id)
            .filter((live) => live.service.id === service.id),
        ),
    },
    Connection: {
      session: (connection: ConnectionView, _: unknown, context: ApiContext) => {
        const live = connections.liveConnection(context.user.id, connection.id);
        const session = live?.latestSession();
        return live && session ? { session, row: live.row, service: live.service } : null;
      },
      latchedIP: (connection: ConnectionView, _: unknown, context: ApiContext) =>
        connections.liveConnection(context.user.id, connection.id)?.row.latchedIp ?? null,
    },
    Session: {
      id: ({ session }: SessionParent) => session.id,
      timestamp: ({ session }: SessionParent) => session.started,
      state: ({ session }: SessionParent) => (session.connected ? "connected" : "disconnected"),
      connected: ({ session }: SessionParent) => session.connected,
      encryption: () => null,
      source: () => "EXTERNAL",
      address: ({ session }: SessionParent) => session.address,
      user: (_: SessionParent, __: unknown, context: ApiContext) => userRef(context.user),
      target: ({ service }: SessionParent) => serviceRef(service),
      endpoint: ({ session }: SessionParent) => ({
        id: session.id,
        timestamp: session.started,
        externalAddress: session.address,
        proxy: true,
        geo: null,
      }),
      connectionId: ({ row }: SessionParent) => row.id,
      bytesIn: ({ session }: SessionParent) => session.bytesIn,
      bytesOut: ({ session }: SessionParent) => session.bytesOut,
      ended: ({ session }: SessionParent) => session.ended,
      latched: ({ session, row }: SessionParent) =>
        row.hostIP === LATCHING_HOST_IP && row.latchedIp === session.address,
    },
  };
}
