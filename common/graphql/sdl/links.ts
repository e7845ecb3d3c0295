// Persistent public links (remote.it's "persistent public URL", ConnectLink): a fixed
// public URL for an http or https service, optionally behind a password and address rules.
export const linksSdl = /* GraphQL */ `
  enum LinkType {
    HTTPS
    WSS
  }

  "A service's persistent public URL. Reach serves every link as HTTPS type (WebSockets included)."
  type ConnectLink {
    service: Service!
    url: String!
    "The random label the link's host starts with."
    code: String!
    enabled: Boolean!
    "Whether visitors need a password: ******** when one is set, null when not. Reach never returns the password itself."
    password: String
    created: String!
    "CIDRs of visitor addresses let in (empty: everyone)."
    allow: [String!]!
    "CIDRs of visitor addresses kept out; deny wins over allow."
    deny: [String!]!
  }

  type Service {
    link(type: [LinkType!]): ConnectLink
  }

  type User {
    links(type: [LinkType!]): [ConnectLink!]!
  }

  type Mutation {
    "Creates the service's link (enabled unless enabled is false) or changes what is given; an empty password removes it."
    setConnectLink(
      serviceId: String!
      enabled: Boolean
      password: String
      allow: [String!]
      deny: [String!]
    ): ConnectLink
    "As setConnectLink, and the link is enabled."
    enableConnectLink(
      serviceId: String!
      enabled: Boolean
      password: String
      allow: [String!]
      deny: [String!]
    ): ConnectLink!
    "Stops serving the link, keeping its URL; false when the service has none."
    disableConnectLink(serviceId: String!): Boolean!
    "Forgets the link and its URL; false when the service had none."
    removeConnectLink(serviceId: String!): Boolean!
  }
`;
