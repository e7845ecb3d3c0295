// The operations clients send. Kept here so every client asks for the same fields.

const CONNECTION_FIELDS = "id created host port reverseProxy timeout url serviceId hostIP";

export const CONNECT_MUTATION = `mutation Connect($serviceId: String!, $hostIP: String!, $type: ProxyType) {
  connect(serviceId: $serviceId, hostIP: $hostIP, type: $type) { ${CONNECTION_FIELDS} }
}`;

export const DISCONNECT_MUTATION = `mutation Disconnect($serviceId: String, $connectionId: String!) {
  disconnect(serviceId: $serviceId, connectionId: $connectionId)
}`;

/** remote.it's device list (its docs' shape); a service's display name is its `title`. */
export const DEVICES_QUERY = `query Devices($size: Int, $from: Int, $sort: String) {
  login {
    id email
    devices(size: $size, from: $from, sort: $sort) {
      total hasMore
      items {
        id name hardwareId created state lastReported
        services { id name title application port host state }
      }
    }
  }
}`;

export const CONNECTIONS_QUERY = `query Connections {
  login { connections { ${CONNECTION_FIELDS} } }
}`;

export const MY_IP_QUERY = `query MyIP { myIP }`;

const PEER_SESSION_FIELDS =
  "id serviceId token answer direct { host port } p2pError stunPort created expires relayBytesUp relayBytesDown relayStreams";

export const OPEN_PEER_SESSION_MUTATION = `mutation OpenPeerSession($serviceId: String!, $offer: String) {
  openPeerSession(serviceId: $serviceId, offer: $offer) { ${PEER_SESSION_FIELDS} }
}`;

export const OFFER_PEER_MUTATION = `mutation OfferPeer($id: ID!, $offer: String!) {
  offerPeer(id: $id, offer: $offer) { ${PEER_SESSION_FIELDS} }
}`;

export const PEER_CANDIDATES_MUTATION = `mutation PeerCandidates($id: ID!, $mid: String!, $candidates: [String!]!) {
  peerCandidates(id: $id, mid: $mid, candidates: $candidates)
}`;

export const CLOSE_PEER_SESSION_MUTATION = `mutation ClosePeerSession($id: ID!) {
  closePeerSession(id: $id)
}`;

export const PEER_SESSION_QUERY = `query PeerSession($id: ID!) {
  peerSession(id: $id) { ${PEER_SESSION_FIELDS} }
}`;

const SESSION_FIELDS = "id timestamp connected address connectionId bytesIn bytesOut latched";

/** The visitors of every connection of the caller's, and what each latching one latched. */
export const SESSIONS_QUERY = `query Sessions {
  login {
    sessions { ${SESSION_FIELDS} }
    connections { id latchedIP }
  }
}`;

/** The event subscription the desktop core keeps open: enough to know what to re-read. */
export const EVENTS_SUBSCRIPTION = `subscription Events {
  event {
    __typename type action state
    target { id }
    ... on DeviceConnectEvent { connectionId reason }
    ... on ProxySessionEvent { visitor { ${SESSION_FIELDS} } }
  }
}`;

const LINK_FIELDS = "url enabled password service { id }";

export const LINKS_QUERY = `query Links {
  login { links { ${LINK_FIELDS} } }
}`;

export const SET_CONNECT_LINK_MUTATION = `mutation SetConnectLink($serviceId: String!, $enabled: Boolean, $password: String) {
  setConnectLink(serviceId: $serviceId, enabled: $enabled, password: $password) { ${LINK_FIELDS} }
}`;

export const DISABLE_CONNECT_LINK_MUTATION = `mutation DisableConnectLink($serviceId: String!) {
  disableConnectLink(serviceId: $serviceId)
}`;
