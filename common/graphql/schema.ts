// The broker's GraphQL schema: a faithful subset of remote.it's, served at POST /graphql/v1.
// Clients (agent, CLI, desktop core) and the broker share this one definition.
import { applicationTypesSdl } from "./sdl/application-types.js";
import { baseSdl } from "./sdl/base.js";
import { connectionsSdl } from "./sdl/connections.js";
import { devicesSdl } from "./sdl/devices.js";
import { eventsSdl } from "./sdl/events.js";
import { linksSdl } from "./sdl/links.js";
import { peerSessionsSdl } from "./sdl/peer-sessions.js";
import { sessionsSdl } from "./sdl/sessions.js";

export const GRAPHQL_PATH = "/graphql/v1";

/**
 * The whole schema, one SDL module per area (sdl/): each declares its own types and adds
 * its fields to User, Query and Mutation (same-named types are merged).
 */
export const typeDefs = [
  baseSdl,
  devicesSdl,
  applicationTypesSdl,
  connectionsSdl,
  peerSessionsSdl,
  linksSdl,
  sessionsSdl,
  eventsSdl,
];

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
  /** The agent's endpoints for the direct path (common/p2p/direct-link.ts); often none. */
  direct: { host: string; port: number }[];
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
  | "RESOURCE_EXHAUSTED"
  /** The broker's store is unreachable for now: nothing changed, try again (Reach's own). */
  | "SERVICE_UNAVAILABLE";
