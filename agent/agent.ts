// The agent: registers this device and its services with the broker over one outbound
// control channel, keeps a pool of data connections ready, and for each stream the broker
// starts, dials the named service. Reconnects with backoff whenever the broker goes away,
// each attempt to the next broker of its list: any node of a cluster takes it.
import type { Socket } from "node:net";
import { WebSocket } from "ws";
import { stunUrlFor } from "../common/p2p/peer-connection.js";
import type { R3Credentials } from "../common/r3-signature.js";
import { controlRequestHeaders } from "../common/tunnel/control-request.js";
import {
  type BrokerMessage,
  brokerMessageSchema,
  CONTROL_PATH,
  type Dial,
  type Hello,
  type ServiceSpec,
  type Welcome,
} from "../common/tunnel/protocol.js";
import {
  INVALID_HELLO_CLOSE_CODE,
  TUNNEL_PROTOCOL_VERSION,
  VERSION_REFUSED_CLOSE_CODE,
} from "../common/tunnel/version.js";
import { unhandled } from "../common/unhandled.js";
import { dialRefusal, parseBrokerUrls } from "./broker-urls.js";
import { openDataConnection } from "./data-connection.js";
import { loadHardwareId } from "./hardware-id.js";
import { PeerHost } from "./peer-host.js";
import { PoolRefill } from "./pool-refill.js";
import { agentStatusWriter } from "./status-file.js";

/**
 * The brokers to attach to: one (`apiUrl`), or the nodes of a cluster (`apiUrls`), tried in
 * turn. Each is a GraphQL URL, e.g. http://127.0.0.1:29090/graphql/v1; its origin is used.
 */
export type AgentBrokers =
  | { apiUrl: string; apiUrls?: undefined }
  | { apiUrls: readonly string[]; apiUrl?: undefined };

export type AgentOptions = AgentBrokers & AgentSettings;

export interface AgentSettings {
  credentials: R3Credentials;
  name: string;
  dataDir: string;
  services: ServiceSpec[];
  /** The device's tags (remote.it's `tags { name }`), sent in the hello. */
  tags?: string[];
  /** Extra CA certificate(s) to trust for a broker with a private TLS certificate. */
  ca?: string | Buffer;
  /** Accept peer-to-peer sessions for on-demand connections (default true). */
  p2p?: boolean;
  /** Gather P2P candidates on this address only (tests keep P2P on loopback). */
  p2pBindAddress?: string;
  /**
   * Offer the direct path (a TLS-PSK TCP listener, common/p2p/direct-link.ts) beside WebRTC
   * in peer answers (default true).
   */
  p2pDirect?: boolean;
  /**
   * The tunnel protocol version to announce (default TUNNEL_PROTOCOL_VERSION). Tests set it
   * to act as an agent built for another version and see a real broker refuse it.
   */
  protocol?: number;
  log?: (message: string) => void;
}

export interface RunningAgent {
  /** Resolves with the broker's welcome the first time the agent registers. */
  ready: Promise<Welcome>;
  /** The latest welcome, or null while disconnected. */
  readonly session: Welcome | null;
  /** Peer-to-peer sessions and what they carried. */
  readonly peers: PeerHost;
  /** The broker URL, as given, the agent is attached to now or is trying. */
  readonly brokerUrl: string;
  /** Drops the control channel and every data connection, as a network cut would. */
  cutTunnel(): void;
  stop(): Promise<void>;
}

const MIN_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 10_000;

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const brokerUrls = options.apiUrls ?? [options.apiUrl];
  const brokers = parseBrokerUrls(brokerUrls);
  const hardwareId = await loadHardwareId(options.dataDir);
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  // The broker being tried or attached to; moves to the next one each time a connection
  // attempt fails or the control channel closes. Only scheduleReconnect moves it.
  let brokerIndex = 0;
  const currentBroker = () => brokers[brokerIndex] as URL;

  const writeStatus = agentStatusWriter(options.dataDir, log);
  let lastDeviceId: string | undefined;
  let stopped = false;
  let backoff = MIN_BACKOFF_MS;
  let control: WebSocket | null = null;
  let session: Welcome | null = null;
  let servicesById = new Map<string, ServiceSpec>();
  const dataSockets = new Set<Socket>();
  let reconnectTimer: NodeJS.Timeout | undefined;
  let resolveReady: (welcome: Welcome) => void = () => {};
  const ready = new Promise<Welcome>((resolve) => {
    resolveReady = resolve;
  });
  const peers = new PeerHost({
    enabled: options.p2p ?? true,
    direct: options.p2pDirect ?? true,
    bindAddress: options.p2pBindAddress,
    stunUrl: () => stunUrlFor(currentBroker(), session?.stunPort ?? null),
    serviceFor: (id) => servicesById.get(id),
    log,
  });

  const track = (socket: Socket) => {
    dataSockets.add(socket);
    socket.once("close", () => dataSockets.delete(socket));
  };

  /** The current session's pool, refilled off the visitors' setup (pool-refill.ts). */
  let pool: PoolRefill | null = null;

  const startPool = (forSession: Welcome, broker: URL) => {
    const refill: PoolRefill = new PoolRefill(forSession.poolSize, () => {
      if (stopped || session !== forSession) return;
      track(
        openDataConnection({
          broker,
          token: forSession.dataToken,
          ca: options.ca,
          serviceFor: (id) => servicesById.get(id),
          onTaken: () => refill.taken(),
          onIdleClose: () => refill.closedUnused(),
        }),
      );
    });
    pool = refill;
    refill.fill();
  };

  /**
   * A broker's `dial`: one data connection to another node of the cluster, which has a
   * visitor for this device. Not pooled: the visitor it was opened for is its only use.
   */
  const followDial = (dial: Dial, attached: URL) => {
    if (stopped) return;
    const refusal = dialRefusal(dial.url, attached);
    if (refusal) {
      log(`agent: ignored a dial: ${refusal}`);
      return;
    }
    track(
      openDataConnection({
        broker: new URL(dial.url),
        token: dial.token,
        ca: options.ca,
        serviceFor: (id) => servicesById.get(id),
        onTaken: () => {},
        onIdleClose: () => {},
      }),
    );
  };

  const scheduleReconnect = () => {
    if (stopped || reconnectTimer) return;
    const delay = backoff + Math.floor(Math.random() * backoff * 0.2);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    brokerIndex = (brokerIndex + 1) % brokers.length;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, delay);
  };

  const connect = () => {
    if (stopped) return;
    const broker = currentBroker();
    const controlUrl = new URL(CONTROL_PATH, broker);
    controlUrl.protocol = broker.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(controlUrl, {
      headers: controlRequestHeaders(options.credentials, controlUrl.host),
      handshakeTimeout: 10_000,
      ca: options.ca,
    });
    control = ws;
    ws.on("open", () => {
      const hello: Hello = {
        type: "hello",
        protocol: options.protocol ?? TUNNEL_PROTOCOL_VERSION,
        hardwareId,
        name: options.name,
        services: options.services,
        ...(options.tags?.length ? { tags: options.tags } : {}),
      };
      ws.send(JSON.stringify(hello));
    });
    ws.on("message", (data) => {
      let message: BrokerMessage;
      try {
        message = brokerMessageSchema.parse(JSON.parse(data.toString()));
      } catch {
        return;
      }
      switch (message.type) {
        case "welcome":
          backoff = MIN_BACKOFF_MS;
          session = message;
          servicesById = new Map(
            message.services.flatMap((s) => {
              const spec = options.services.find((o) => o.name === s.name);
              return spec ? [[s.id, spec] as const] : [];
            }),
          );
          startPool(message, broker);
          log(
            `agent: registered with ${broker.origin} as device ${message.deviceId} with ${message.services.length} service(s)`,
          );
          lastDeviceId = message.deviceId;
          void writeStatus({
            brokerUrl: brokerUrls[brokerIndex] as string,
            connected: true,
            since: new Date().toISOString(),
            deviceId: lastDeviceId,
          });
          resolveReady(message);
          return;
        case "open":
          pool?.openExtra(Math.min(message.count, 64));
          return;
        case "dial":
          followDial(message, broker);
          return;
        case "peer-offer":
          void peers.answer(message).then((reply) => {
            if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
          });
          return;
        case "peer-candidates":
          peers.addCandidates(message.sessionId, message.mid, message.candidates);
          return;
        case "peer-close":
          peers.close(message.sessionId);
          return;
        default:
          unhandled(message);
      }
    });
    ws.on("unexpected-response", (_request, response) => {
      log(
        `agent: the broker refused the tunnel (HTTP ${response.statusCode}); check the key and secret`,
      );
      ws.terminate();
    });
    ws.on("error", (error) => {
      if (!stopped) log(`agent: tunnel error: ${error.message}`);
    });
    ws.on("close", (code, reason) => {
      // The broker's refusal of the hello says what to do (upgrade one side, fix the
      // services); the agent keeps retrying, so an upgraded broker is picked up by itself.
      if (code === VERSION_REFUSED_CLOSE_CODE || code === INVALID_HELLO_CLOSE_CODE) {
        log(`agent: the broker refused this agent: ${reason.toString()}`);
      }
      if (control === ws) {
        // Only a session that was up is news: failed attempts while down rewrite nothing.
        if (session) {
          void writeStatus({
            brokerUrl: brokerUrls[brokerIndex] as string,
            connected: false,
            since: new Date().toISOString(),
            deviceId: lastDeviceId,
          });
        }
        control = null;
        session = null;
      }
      // Idle pooled connections belong to the old session; streams in use carry on.
      scheduleReconnect();
    });
  };

  connect();

  return {
    ready,
    get session() {
      return session;
    },
    peers,
    get brokerUrl() {
      return brokerUrls[brokerIndex] as string;
    },
    cutTunnel() {
      control?.terminate();
      for (const socket of dataSockets) socket.destroy();
    },
    async stop() {
      stopped = true;
      clearTimeout(reconnectTimer);
      const ws = control;
      control = null;
      session = null;
      ws?.terminate();
      for (const socket of dataSockets) socket.destroy();
      peers.closeAll();
    },
  };
}
