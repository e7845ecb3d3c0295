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

  "Reach extension: one on-demand path to a service, peer to peer with relay failover."
  type PeerSession {
    id: ID!
    serviceId: String!
    "Presented on every P2P data channel and relay stream of this session."
    token: String!
    "The agent's session description when it accepted P2P, else null."
    answer: String
    "Why there is no answer (P2P not offered, the agent refused it, or it did not answer)."
    p2pError: String
    "The broker's STUN responder (UDP, on the broker's host), or null when it has none."
    stunPort: Int
    created: String!
    expires: String!
    "Bytes the broker relayed for this session, client to device and back."
    relayBytesUp: Float!
    relayBytesDown: Float!
    relayStreams: Int!
  }

  type Query {
    login: User!
    "Reach extension: a peer session of the caller's, by id."
    peerSession(id: ID!): PeerSession
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
    "Reach extension: opens an on-demand path; with an offer the agent is asked for P2P."
    openPeerSession(serviceId: String!, offer: String): PeerSession!
    "Reach extension: asks the session's agent for P2P with this offer; the answer (or p2pError) comes back."
    offerPeer(id: ID!, offer: String!): PeerSession!
    "Reach extension: the client's ICE candidates for the session's agent, sent after the answer is applied."
    peerCandidates(id: ID!, mid: String!, candidates: [String!]!): Boolean!
    "Reach extension: ends a peer session; its relay streams close."
    closePeerSession(id: ID!): Boolean!
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

export interface PeerSessionView {
  id: string;
  serviceId: string;
  token: string;
  answer: string | null;
  p2pError: string | null;
  stunPort: number | null;
  created: string;
  expires: string;
  relayBytesUp: number;
  relayBytesDown: number;
  relayStreams: number;
}

/** Error codes the API puts in `extensions.code`. */
export type ApiErrorCode =
  | "UNAUTHENTICATED"
  | "NOT_FOUND"
  | "BAD_USER_INPUT"
  | "SERVICE_OFFLINE"
  | "RESOURCE_EXHAUSTED";
