// Events: the `event` subscription (graphql-ws over a signed WebSocket at /graphql/v1), with
// remote.it's LogEvent interface and its DeviceStateEvent and DeviceConnectEvent, plus
// Reach's ProxySessionEvent for visitors coming and going. Each user sees only their own.
const logEventFields = /* GraphQL */ `
    id: ID!
    "DEVICE_STATE, DEVICE_CONNECT, or Reach's PROXY_SESSION."
    type: String!
    action: String
    state: String
    timestamp: DateTime
    actor: UserReference
    owner: UserReference
    users: [UserReference!]
    devices: [ServiceReference!]
    services: [ServiceReference!]
    target: [ServiceReference!]
`;

export const eventsSdl = /* GraphQL */ `
  interface LogEvent {
    ${logEventFields}
  }

  "A device came online (state active) or went offline (state inactive); target is the device."
  type DeviceStateEvent implements LogEvent {
    ${logEventFields}
    expired: Boolean
    externalAddress: String
    internalAddress: String
    serverAddress: String
    geo: Geolocation
  }

  "A proxy connection opened (action connected) or ended (action disconnected); target is its service."
  type DeviceConnectEvent implements LogEvent {
    ${logEventFields}
    session: String
    source: ConnectionSource
    proxy: Boolean
    lifetime: Int
    "Reach extension: the connection."
    connectionId: String
    "Reach extension: why it ended: disconnected, expired, idle or removed; null when it opened."
    reason: String
  }

  "Reach extension: a visitor came to a connection (action started) or left (action ended)."
  type ProxySessionEvent implements LogEvent {
    ${logEventFields}
    visitor: Session!
  }

  type Subscription {
    "Events about the caller's devices, connections and visitors, from now on."
    event: LogEvent!
  }
`;
