// The broker's GraphQL schema: a faithful subset of remote.it's, served at POST /graphql/v1.
// Clients (agent, CLI, desktop core) and the broker share this one definition.

export const GRAPHQL_PATH = "/graphql/v1";

export const typeDefs = /* GraphQL */ `
  enum ProxyType {
    AUTO_PROXY
    REVERSE_PROXY
    PORT_PROXY
  }

  type Service {
    id: String!
    name: String!
    "remote.it's application type name, e.g. SSH or HTTP."
    type: String!
    "remote.it's application type number, e.g. 28 for SSH, 7 for HTTP."
    application: Int!
    port: Int!
    host: String!
    "active while the device's agent is connected, inactive otherwise."
    state: String!
  }

  type Device {
    id: String!
    name: String!
    hardwareId: String!
    created: String!
    state: String!
    services: [Service!]!
  }

  type DeviceList {
    total: Int!
    hasMore: Boolean!
    items: [Device!]!
  }

  type Connection {
    id: String!
    created: String!
    host: String!
    port: Int
    reverseProxy: Boolean!
    timeout: Int!
    url: String!
    serviceId: String!
    hostIP: String!
  }

  type User {
    id: String!
    email: String!
    devices(size: Int = 100, from: Int = 0): DeviceList!
    connections: [Connection!]!
  }

  type Query {
    login: User!
    "Reach extension: the caller's address as the broker sees it (the default for a restricted hostIP)."
    myIP: String!
  }

  type Mutation {
    connect(
      serviceId: String!
      hostIP: String! = "255.255.255.255"
      type: ProxyType = AUTO_PROXY
    ): Connection!
    disconnect(serviceId: String, connectionId: String!): Boolean!
  }
`;

export type ProxyType = "AUTO_PROXY" | "REVERSE_PROXY" | "PORT_PROXY";

export interface ConnectionView {
  id: string;
  created: string;
  host: string;
  port: number | null;
  reverseProxy: boolean;
  timeout: number;
  url: string;
  serviceId: string;
  hostIP: string;
}

/** Error codes the API puts in `extensions.code`. */
export type ApiErrorCode =
  | "UNAUTHENTICATED"
  | "NOT_FOUND"
  | "BAD_USER_INPUT"
  | "SERVICE_OFFLINE"
  | "RESOURCE_EXHAUSTED";
