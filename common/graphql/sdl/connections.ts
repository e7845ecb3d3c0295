// Proxy connections: connect and disconnect, as remote.it's clients send them.
export const connectionsSdl = /* GraphQL */ `
  enum ProxyType {
    AUTO_PROXY
    REVERSE_PROXY
    PORT_PROXY
  }

  type Connection {
    id: String!
    created: String!
    host: String!
    port: Int
    reverseProxy: Boolean!
    timeout: Int!
    url: String!
    "Reach extension: the service this connection reaches."
    serviceId: String!
    "Reach extension: who may use it (0.0.0.0 public, one address restricted, 255.255.255.255 latching)."
    hostIP: String!
  }

  type User {
    "Reach extension: the user's open proxy connections."
    connections: [Connection!]!
  }

  type Mutation {
    "hostIP and type are nullable here (String!/ProxyType! in remote.it's schema): an explicit null means the default, as remote.it's API treats it."
    connect(
      serviceId: String!
      hostIP: String = "255.255.255.255"
      type: ProxyType = AUTO_PROXY
    ): Connection!
    disconnect(serviceId: String, connectionId: String!): Boolean!
  }
`;
