// The root of the API's schema: the signed-in user and the root query. Every area
// (devices.ts, connections.ts, peer-sessions.ts …) declares its own types and adds its
// fields to User, Query and Mutation by declaring them again: the schema is built with
// graphql-tools' mergeTypeDefs, which merges same-named types. A new area adds a file
// instead of editing a shared one.
export const baseSdl = /* GraphQL */ `
  "The signed-in user: remote.it's login. Each area adds its fields (type User)."
  type User {
    id: String!
    email: String!
  }

  type Query {
    login: User!
    "Reach extension: the caller's address as the broker sees it (the default for a restricted hostIP)."
    myIP: String!
  }
`;
