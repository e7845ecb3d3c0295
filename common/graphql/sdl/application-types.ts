// remote.it's applicationTypes: the service types a broker knows, at the top level and
// under login, as remote.it's clients read them.
export const applicationTypesSdl = /* GraphQL */ `
  enum Protocol {
    TCP
    UDP
  }

  type ApplicationType {
    "The application number services report, e.g. 28."
    id: Int!
    name: String!
    description: String!
    "The port the protocol usually listens on (0 when there is none)."
    port: Int
    "Whether connections to it get a reverse proxy (a public https URL) by default."
    proxy: Boolean!
    protocol: Protocol!
    scheme: String
  }

  type Query {
    applicationTypes: [ApplicationType!]!
  }

  type User {
    applicationTypes: [ApplicationType!]!
  }
`;
