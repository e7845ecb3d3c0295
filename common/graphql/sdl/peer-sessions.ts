// Reach extension: on-demand paths (peer to peer first, the broker's relay as failover).
export const peerSessionsSdl = /* GraphQL */ `
  "Reach extension: one on-demand path to a service, peer to peer with relay failover."
  type PeerSession {
    id: ID!
    serviceId: String!
    "Presented on every P2P data channel and relay stream of this session."
    token: String!
    "The agent's session description when it accepted P2P, else null."
    answer: String
    "Where the client may try the direct path to the agent (TLS-PSK over TCP, keyed by the token); empty when the agent offers none."
    direct: [DirectEndpoint!]!
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

  "Reach extension: one of an agent's own addresses for the direct path."
  type DirectEndpoint {
    host: String!
    port: Int!
  }

  type Query {
    "Reach extension: a peer session of the caller's, by id."
    peerSession(id: ID!): PeerSession
  }

  type Mutation {
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
