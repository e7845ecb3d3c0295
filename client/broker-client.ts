// The core's GraphQL client: Apollo over an HttpLink whose fetch signs every request
// with R3. No React here; the renderer never talks to the broker itself.
import {
  ApolloClient,
  CombinedGraphQLErrors,
  gql,
  HttpLink,
  InMemoryCache,
  ServerError,
} from "@apollo/client";
import type { AuthRefusalReason } from "../common/graphql/auth-refusals.js";
import {
  CLOSE_PEER_SESSION_MUTATION,
  CONNECT_MUTATION,
  CONNECTIONS_QUERY,
  DEVICES_QUERY,
  DISABLE_CONNECT_LINK_MUTATION,
  DISCONNECT_MUTATION,
  LINKS_QUERY,
  MY_IP_QUERY,
  OFFER_PEER_MUTATION,
  OPEN_PEER_SESSION_MUTATION,
  PEER_CANDIDATES_MUTATION,
  PEER_SESSION_QUERY,
  SESSIONS_QUERY,
  SET_CONNECT_LINK_MUTATION,
} from "../common/graphql/operations.js";
import type { ConnectionView, PeerSessionView, ProxyType } from "../common/graphql/schema.js";
import { createSignedFetch } from "../common/r3-fetch.js";
import type { ApiCredentials } from "../common/r3-signature.js";
import { type ErrorDetail, messageOf } from "../common/result.js";

export interface DeviceRecord {
  id: string;
  name: string;
  state: string;
  services: {
    id: string;
    name: string;
    /** remote.it's display name of the application type, e.g. SSH. */
    title: string;
    application: number;
    port: number;
    host: string;
    state: string;
  }[];
}

/** One visitor of a connection (remote.it's Session, with Reach's byte counters). */
export interface SessionRecord {
  id: string;
  /** When the visitor came, ISO 8601. */
  timestamp: string;
  connected: boolean;
  address: string | null;
  connectionId: string;
  bytesIn: number;
  bytesOut: number;
  latched: boolean;
}

/** The visitors on the caller's connections now, and the address each latching one latched. */
export interface SessionsSnapshot {
  sessions: SessionRecord[];
  latchedIPs: Map<string, string | null>;
}

/** A service's persistent public link; password is a marker ("********") or null, never the password. */
export interface LinkRecord {
  serviceId: string;
  url: string;
  enabled: boolean;
  password: string | null;
}

interface LinkReply {
  url: string;
  enabled: boolean;
  password: string | null;
  service: { id: string } | null;
}

export class BrokerError extends Error {
  constructor(readonly detail: ErrorDetail) {
    super(detail.message);
  }
}

const PAGE = 500;

export class BrokerClient {
  private readonly client: ApolloClient;

  /** `signingClock` dates the requests (default: this computer's clock). */
  constructor(
    readonly credentials: ApiCredentials,
    signingClock?: () => Date,
  ) {
    this.client = new ApolloClient({
      link: new HttpLink({
        uri: credentials.apiUrl,
        fetch: createSignedFetch(
          { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
          fetch,
          signingClock,
        ),
      }),
      cache: new InMemoryCache(),
      defaultOptions: { query: { fetchPolicy: "no-cache" }, mutate: { fetchPolicy: "no-cache" } },
    });
  }

  async account(): Promise<{ email: string; devices: DeviceRecord[] }> {
    const devices: DeviceRecord[] = [];
    let email = "";
    for (let from = 0; ; from += PAGE) {
      const data = await this.run<{
        login: { email: string; devices: { hasMore: boolean; items: DeviceRecord[] } };
      }>(() =>
        this.client.query({
          query: gql(DEVICES_QUERY),
          variables: { size: PAGE, from, sort: "name" },
        }),
      );
      email = data.login.email;
      devices.push(...data.login.devices.items);
      if (!data.login.devices.hasMore) return { email, devices };
    }
  }

  async connections(): Promise<ConnectionView[]> {
    const data = await this.run<{ login: { connections: ConnectionView[] } }>(() =>
      this.client.query({ query: gql(CONNECTIONS_QUERY) }),
    );
    return data.login.connections;
  }

  async myIp(): Promise<string> {
    return (await this.run<{ myIP: string }>(() => this.client.query({ query: gql(MY_IP_QUERY) })))
      .myIP;
  }

  async connect(
    serviceId: string,
    hostIP: string,
    type: ProxyType = "AUTO_PROXY",
  ): Promise<ConnectionView> {
    const data = await this.run<{ connect: ConnectionView }>(() =>
      this.client.mutate({
        mutation: gql(CONNECT_MUTATION),
        variables: { serviceId, hostIP, type },
      }),
    );
    return data.connect;
  }

  async disconnect(connectionId: string): Promise<boolean> {
    const data = await this.run<{ disconnect: boolean }>(() =>
      this.client.mutate({ mutation: gql(DISCONNECT_MUTATION), variables: { connectionId } }),
    );
    return data.disconnect;
  }

  async sessions(): Promise<SessionsSnapshot> {
    const data = await this.run<{
      login: { sessions: SessionRecord[]; connections: { id: string; latchedIP: string | null }[] };
    }>(() => this.client.query({ query: gql(SESSIONS_QUERY) }));
    return {
      sessions: data.login.sessions,
      latchedIPs: new Map(data.login.connections.map((c) => [c.id, c.latchedIP])),
    };
  }

  /** The caller's persistent public links, one per service at most. */
  async links(): Promise<LinkRecord[]> {
    const data = await this.run<{ login: { links: LinkReply[] } }>(() =>
      this.client.query({ query: gql(LINKS_QUERY) }),
    );
    return data.login.links.flatMap((link) =>
      link.service ? [toLinkRecord(link, link.service.id)] : [],
    );
  }

  /**
   * Creates the service's link or changes it (setConnectLink): enabled as given; a password
   * sets one, "" removes it, undefined keeps it.
   */
  async setConnectLink(
    serviceId: string,
    change: { enabled: boolean; password?: string },
  ): Promise<LinkRecord> {
    const data = await this.run<{ setConnectLink: LinkReply | null }>(() =>
      this.client.mutate({
        mutation: gql(SET_CONNECT_LINK_MUTATION),
        variables: { serviceId, enabled: change.enabled, password: change.password ?? null },
      }),
    );
    if (!data.setConnectLink) {
      throw new BrokerError({ code: "INTERNAL", message: "The broker returned no link." });
    }
    return toLinkRecord(data.setConnectLink, serviceId);
  }

  /** Stops serving the service's link, keeping its URL; false when it has none. */
  async disableConnectLink(serviceId: string): Promise<boolean> {
    const data = await this.run<{ disableConnectLink: boolean }>(() =>
      this.client.mutate({
        mutation: gql(DISABLE_CONNECT_LINK_MUTATION),
        variables: { serviceId },
      }),
    );
    return data.disableConnectLink;
  }

  /** Opens an on-demand path to a service; with an offer, the agent is asked for P2P. */
  async openPeerSession(serviceId: string, offer: string | null): Promise<PeerSessionView> {
    const data = await this.run<{ openPeerSession: PeerSessionView }>(() =>
      this.client.mutate({
        mutation: gql(OPEN_PEER_SESSION_MUTATION),
        variables: { serviceId, offer },
      }),
    );
    return data.openPeerSession;
  }

  /** Sends a P2P offer for a session; the result carries the agent's answer or p2pError. */
  async offerPeer(id: string, offer: string): Promise<PeerSessionView> {
    const data = await this.run<{ offerPeer: PeerSessionView }>(() =>
      this.client.mutate({ mutation: gql(OFFER_PEER_MUTATION), variables: { id, offer } }),
    );
    return data.offerPeer;
  }

  async peerCandidates(id: string, mid: string, candidates: string[]): Promise<boolean> {
    const data = await this.run<{ peerCandidates: boolean }>(() =>
      this.client.mutate({
        mutation: gql(PEER_CANDIDATES_MUTATION),
        variables: { id, mid, candidates },
      }),
    );
    return data.peerCandidates;
  }

  async peerSession(id: string): Promise<PeerSessionView | null> {
    const data = await this.run<{ peerSession: PeerSessionView | null }>(() =>
      this.client.query({ query: gql(PEER_SESSION_QUERY), variables: { id } }),
    );
    return data.peerSession;
  }

  async closePeerSession(id: string): Promise<boolean> {
    const data = await this.run<{ closePeerSession: boolean }>(() =>
      this.client.mutate({ mutation: gql(CLOSE_PEER_SESSION_MUTATION), variables: { id } }),
    );
    return data.closePeerSession;
  }

  stop(): void {
    this.client.stop();
  }

  /** Runs one operation and turns every failure into a ErrorDetail a person can read. */
  private async run<T>(operation: () => Promise<{ data?: unknown; error?: unknown }>): Promise<T> {
    let result: { data?: unknown; error?: unknown };
    try {
      result = await operation();
    } catch (error) {
      throw new BrokerError(describe(error, this.credentials.apiUrl));
    }
    if (result.error) throw new BrokerError(describe(result.error, this.credentials.apiUrl));
    if (!result.data)
      throw new BrokerError({ code: "UNREACHABLE", message: "The broker sent no data." });
    return result.data as T;
  }
}

function toLinkRecord(link: LinkReply, serviceId: string): LinkRecord {
  return { serviceId, url: link.url, enabled: link.enabled, password: link.password };
}

/** An error entry of the broker's answer: a sentence, and codes that say what it means. */
interface ApiErrorEntry {
  message?: string;
  extensions?: { code?: unknown; reason?: unknown };
}

const REFUSED = "The broker refused the request.";
const CLOCK_SKEW: AuthRefusalReason = "CLOCK_SKEW";

/**
 * The error as a code and a sentence. The code is the broker's extensions.code, except a
 * refusal whose extensions.reason is CLOCK_SKEW, which is this computer's to fix.
 */
function describe(error: unknown, apiUrl: string): ErrorDetail {
  if (CombinedGraphQLErrors.is(error)) {
    return fromEntry(error.errors[0], "BAD_USER_INPUT");
  }
  if (ServerError.is(error)) {
    const first = firstEntryOf(error.bodyText);
    if (first) return fromEntry(first, "UNAUTHENTICATED");
    return {
      code: "UNREACHABLE",
      message: `The broker at ${apiUrl} answered HTTP ${error.statusCode}.`,
    };
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return {
    code: "UNREACHABLE",
    message: `Cannot reach the broker at ${apiUrl}: ${messageOf(cause)}.`,
  };
}

function fromEntry(entry: ApiErrorEntry | undefined, defaultCode: string): ErrorDetail {
  const code = entry?.extensions?.reason === CLOCK_SKEW ? CLOCK_SKEW : entry?.extensions?.code;
  return { code: String(code ?? defaultCode), message: entry?.message ?? REFUSED };
}

/** The first error of a JSON error body; undefined when the body is not one. */
function firstEntryOf(bodyText: string): ApiErrorEntry | undefined {
  try {
    return (JSON.parse(bodyText) as { errors?: ApiErrorEntry[] }).errors?.[0];
  } catch {
    return undefined;
  }
}
