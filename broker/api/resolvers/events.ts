// The `event` subscription: the caller's events from the broker's bus, as remote.it's
// LogEvent types (DeviceStateEvent, DeviceConnectEvent) and Reach's ProxySessionEvent.
// The bus already keeps events per owner, so a subscriber never sees another user's.
import type { BrokerEvent } from "../../events/event-bus.js";
import type { User } from "../../store/store.js";
import { apiError } from "../api-error.js";
import type { ApiContext, ResolverDeps } from "./context.js";
import { deviceRef, serviceRef, userRef } from "./references.js";
import type { SessionParent } from "./sessions.js";

type LogEventTypename = "DeviceStateEvent" | "DeviceConnectEvent" | "ProxySessionEvent";

/** An event as its GraphQL type reads it (plain fields; references resolve on demand). */
function toLogEvent(event: BrokerEvent, owner: User): Record<string, unknown> {
  const me = userRef(owner);
  const common = {
    id: event.id,
    timestamp: new Date(event.at).toISOString(),
    actor: me,
    owner: me,
    users: [me],
  };
  switch (event.kind) {
    case "device": {
      const device = deviceRef(event.deviceId);
      return {
        ...common,
        __typename: "DeviceStateEvent" satisfies LogEventTypename,
        type: "DEVICE_STATE",
        action: event.online ? "online" : "offline",
        state: event.online ? "active" : "inactive",
        target: [device],
        devices: [device],
      };
    }
    case "connection": {
      const opened = event.action === "opened";
      return {
        ...common,
        __typename: "DeviceConnectEvent" satisfies LogEventTypename,
        type: "DEVICE_CONNECT",
        action: opened ? "connected" : "disconnected",
        state: opened ? "connected" : "disconnected",
        target: [serviceRef(event.service)],
        services: [serviceRef(event.service)],
        devices: [deviceRef(event.service.deviceId)],
        proxy: true,
        source: "EXTERNAL",
        lifetime: opened
          ? null
          : Math.round((event.at - Date.parse(event.connection.created)) / 1000),
        connectionId: event.connection.id,
        reason: event.reason,
      };
    }
    case "session": {
      const visitor: SessionParent = {
        session: event.session,
        row: event.connection,
        service: event.service,
      };
      return {
        ...common,
        __typename: "ProxySessionEvent" satisfies LogEventTypename,
        type: "PROXY_SESSION",
        action: event.action,
        state: event.action === "started" ? "connected" : "disconnected",
        target: [serviceRef(event.service)],
        services: [serviceRef(event.service)],
        devices: [deviceRef(event.service.deviceId)],
        visitor,
      };
    }
  }
}

export function eventResolvers({ events }: ResolverDeps) {
  return {
    Subscription: {
      event: {
        subscribe: (_: unknown, __: unknown, context: ApiContext) => {
          if (!context.overWebSocket) {
            throw apiError(
              "BAD_USER_INPUT",
              "Subscribe over the WebSocket at /graphql/v1 (graphql-transport-ws), not with POST.",
            );
          }
          return events.subscribe(context.user.id);
        },
        resolve: (event: BrokerEvent, _: unknown, context: ApiContext) =>
          toLogEvent(event, context.user),
      },
    },
    LogEvent: {
      __resolveType: (event: { __typename: LogEventTypename }) => event.__typename,
    },
  };
}
