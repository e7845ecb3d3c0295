// Another user's ids, probed with a valid signature: each probe is sent twice, once with
// the owner's real id and once with an id that names nothing, and the two answers must be
// the same once the id itself is taken out ("a user never learns that another user's ids
// exist"): same status, same code, same message, same data.
import { randomBytes, randomUUID } from "node:crypto";
import { gql } from "./raw-api.js";

export interface OwnerIds {
  echo: string;
  web: string;
  connection: string;
  session: string;
}

export interface IsolationProbe {
  name: string;
  /** The request naming the owner's ids, and the same request naming absent ones. */
  foreign: string;
  absent: string;
  /** Ids to blank out of the answers before comparing them. */
  ids: string[];
}

const CONNECT = `mutation ($s: String!, $h: String!, $t: ProxyType) { connect(serviceId: $s, hostIP: $h, type: $t) { id } }`;
const DISCONNECT = `mutation ($s: String, $c: String!) { disconnect(serviceId: $s, connectionId: $c) }`;

export function isolationProbes(owner: OwnerIds): IsolationProbe[] {
  // Absent ids in the same shapes as the real ones, so only existence differs.
  const absent = {
    echo: randomServiceAddress(),
    web: randomServiceAddress(),
    connection: randomUUID(),
    session: randomUUID(),
  };
  const probe = (
    name: string,
    query: string,
    variables: (ids: OwnerIds) => Record<string, unknown>,
  ): IsolationProbe => ({
    name,
    foreign: gql(query, variables(owner)),
    absent: gql(query, variables(absent)),
    ids: [...Object.values(owner), ...Object.values(absent)],
  });
  return [
    probe("connect to a tcp service", CONNECT, (i) => ({
      s: i.echo,
      h: "0.0.0.0",
      t: "PORT_PROXY",
    })),
    probe("connect to an http service", CONNECT, (i) => ({
      s: i.web,
      h: "0.0.0.0",
      t: "AUTO_PROXY",
    })),
    probe("connect with an invalid hostIP", CONNECT, (i) => ({
      s: i.echo,
      h: "1.2.3",
      t: "PORT_PROXY",
    })),
    probe("reverse-proxy a tcp service", CONNECT, (i) => ({
      s: i.echo,
      h: "0.0.0.0",
      t: "REVERSE_PROXY",
    })),
    probe("disconnect a connection", DISCONNECT, (i) => ({ c: i.connection })),
    probe("disconnect naming its service", DISCONNECT, (i) => ({ s: i.echo, c: i.connection })),
    probe(
      "open a peer session",
      "mutation ($s: String!) { openPeerSession(serviceId: $s) { id token } }",
      (i) => ({ s: i.echo }),
    ),
    probe(
      "read a peer session",
      "query ($i: ID!) { peerSession(id: $i) { id token serviceId } }",
      (i) => ({ i: i.session }),
    ),
    probe(
      "offer P2P on a peer session",
      'mutation ($i: ID!) { offerPeer(id: $i, offer: "v=0") { id } }',
      (i) => ({ i: i.session }),
    ),
    probe(
      "send candidates to a peer session",
      'mutation ($i: ID!) { peerCandidates(id: $i, mid: "0", candidates: ["candidate:1 1 UDP 1 127.0.0.1 9 typ host"]) }',
      (i) => ({ i: i.session }),
    ),
    probe("close a peer session", "mutation ($i: ID!) { closePeerSession(id: $i) }", (i) => ({
      i: i.session,
    })),
  ];
}

/** `80:00:00:XX:XX:XX:XX:XX`, the shape of a service id, naming nothing. */
function randomServiceAddress(): string {
  const tail = [...randomBytes(5)].map((b) => b.toString(16).padStart(2, "0").toUpperCase());
  return ["80", "00", "00", ...tail].join(":");
}

/** An answer with every listed id replaced by <id>, for comparing shapes. */
export function withoutIds(text: string, ids: string[]): string {
  let out = text;
  for (const id of ids) out = out.split(JSON.stringify(id).slice(1, -1)).join("<id>");
  return out;
}
