// Sessions: who is on a connection right now, as remote.it's Session names it, reached as
// login { sessions }, Service.sessions and Connection.session. Reach knows no geolocation
// or endpoint hardware, so those fields are null (the real types allow it).
export const sessionsSdl = /* GraphQL */ `
  scalar DateTime

  enum ConnectionSource {
    UNKNOWN
    INTERNAL
    EXTERNAL
    WEBSOCKET
  }

  enum EncryptionType {
    NONE
    XXTEA
    RC4
    CHACHA20
  }

  enum Protocol {
    TCP
    UDP
  }

  type Geolocation {
    city: String
    connectionType: String
    continent: String
    continentName: String
    country: String
    countryName: String
    isp: String
    latitude: Float
    longitude: Float
    postal: String
    state: String
    stateName: String
    timezone: String
  }

  type UserReference {
    id: ID!
    email: String
  }

  "A service (or, in a device's events, the device itself) as sessions and events name it."
  type ServiceReference {
    id: ID!
    protocol: Protocol
    type: String
    version: String
    name: String
    manufacturer: Int
    platform: Int
    created: DateTime
    application: Int
    port: Int
    title: String
    owner: UserReference
    device: Device
  }

  "Where a session comes from: for Reach always the broker's proxy."
  type SessionEndpoint {
    id: ID!
    externalAddress: String
    internalAddress: String
    serverAddress: String
    wsAddress: String
    presenceAddress: String
    timestamp: DateTime!
    type: String
    manufacturer: Int
    platform: Int
    version: String
    encryption: [EncryptionType!]
    geo: Geolocation
    proxy: Boolean!
  }

  "One visitor of a connection: a port proxy's socket, or a reverse proxy's keep-alive connection."
  type Session {
    id: ID!
    "When the visitor came."
    timestamp: DateTime!
    "connected, or disconnected once the visitor left."
    state: String!
    connected: Boolean!
    encryption: EncryptionType
    source: ConnectionSource
    "The visitor's address."
    address: String
    "The connection's owner (visitors are not signed in)."
    user: UserReference
    target: ServiceReference
    endpoint: SessionEndpoint
    "Reach extension: the connection the visitor came through."
    connectionId: String!
    "Reach extension: bytes from the visitor towards the service so far."
    bytesIn: Float!
    "Reach extension: bytes from the service to the visitor so far."
    bytesOut: Float!
    "Reach extension: when the visitor left; null while connected."
    ended: DateTime
    "Reach extension: true when this visitor's address is the one a latching connection latched."
    latched: Boolean!
  }

  type Connection {
    "The visitor on it now (the newest if several), else the last one; null before any."
    session: Session
    "Reach extension: the address a latching connection (hostIP 255.255.255.255) latched; null before its first visitor or for other modes."
    latchedIP: String
  }

  type Service {
    "The live sessions of the caller's connections to this service."
    sessions: [Session!]
  }

  type User {
    "The live sessions of every connection of the caller's."
    sessions: [Session!]
  }
`;
