// Where agents attach: the control WebSocket (R3-signed, registers the device) and the
// raw data connections that carry visitors' bytes. Each device attached here is recorded
// in the store as held by this node, so every node of a cluster knows where it is; a
// device attached to another node is reached through a `dial` (cluster/cluster.ts).
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { agentMessageSchema, helloSchema, type Welcome } from "../../common/tunnel/protocol.js";
import { DATA_UPGRADE, upgradeToken } from "../../common/tunnel/upgrade.js";
import {
  DIAL_VERSION,
  INVALID_HELLO_CLOSE_CODE,
  VERSION_REFUSED_CLOSE_CODE,
  versionRefusal,
} from "../../common/tunnel/version.js";
import { verifyR3 } from "../auth/verify-r3.js";
import type { DialReply, DialRequest } from "../cluster/node-protocol.js";
import type { RemoteStreams } from "../cluster/remote-streams.js";
import type { EventBus } from "../events/event-bus.js";
import type { Logger } from "../log.js";
import type { DeviceStore, Registration, UserStore } from "../store/store.js";
import { DeviceSession } from "./device-session.js";
import { refuseUpgrade } from "./refuse-upgrade.js";

const HELLO_TIMEOUT_MS = 10_000;
const PING_INTERVAL_MS = 15_000;
/** Backoff of a detach the store could not save (it is retried until it is). */
const RETRY_DETACH_MIN_MS = 500;
const RETRY_DETACH_MAX_MS = 10_000;

export interface TunnelGatewayOptions {
  users: UserStore;
  devices: DeviceStore;
  poolSize: number;
  /** The broker's STUN port, told to agents for their ICE candidates; null when off. */
  stunPort: () => number | null;
  log: Logger;
  /** Hears devices come online and go offline. */
  events: EventBus;
  /** This broker's node number: devices attached here are recorded as held by it. */
  node: number;
  /** Streams to devices attached to other nodes, and the data connections they dial here. */
  remote: {
    streams: RemoteStreams;
    open(deviceId: string, serviceId: string): Promise<Socket>;
  };
}

export class TunnelGateway {
  private readonly sessions = new Map<string, DeviceSession>();
  private readonly sessionsByToken = new Map<string, DeviceSession>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  private readonly pinger: NodeJS.Timeout;
  private readonly answeredPing = new WeakSet<WebSocket>();
  private servicesRemoved: (serviceIds: string[]) => void = () => {};
  /** Set by close(): the store closes next, so nothing more is recorded in it. */
  private closing = false;
  /**
   * Each device's last attach or detach, so that they reach the store in the order they
   * happened here (the pool might otherwise run a detach after the attach that followed it).
   */
  private readonly presenceWrites = new Map<string, Promise<void>>();

  constructor(private readonly options: TunnelGatewayOptions) {
    this.pinger = setInterval(() => this.pingAll(), PING_INTERVAL_MS);
    this.pinger.unref();
  }

  /** Sets who hears of services a device re-registered without (their connections end). */
  onServicesRemoved(listener: (serviceIds: string[]) => void): void {
    this.servicesRemoved = listener;
  }

  /** Whether the device's agent is attached to this node (other nodes may hold others). */
  isAttachedHere(deviceId: string): boolean {
    return this.sessions.has(deviceId);
  }

  /** The live session of a device, or undefined while its agent is offline. */
  sessionOf(deviceId: string): DeviceSession | undefined {
    return this.sessions.get(deviceId);
  }

  /**
   * Opens a stream to a service of a connected device: from its pool when it is attached
   * here, else through the node that holds it.
   */
  openStream(deviceId: string, serviceId: string): Promise<Socket> {
    const session = this.sessions.get(deviceId);
    if (!session) return this.options.remote.open(deviceId, serviceId);
    return session.openStream({ serviceId });
  }

  /** Another node asks: have this device's agent open a data connection to it. */
  dial({ deviceId, url, token }: DialRequest): DialReply {
    const session = this.sessions.get(deviceId);
    if (!session) return { ok: false, reason: "not-here" };
    if (session.protocol < DIAL_VERSION) return { ok: false, reason: "old-agent" };
    session.send({ type: "dial", url, token });
    return { ok: true };
  }

  async handleControlUpgrade(
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
  ): Promise<void> {
    const auth = await verifyR3(this.options.users, {
      method: request.method ?? "GET",
      path: request.url ?? "/",
      headers: request.headers,
    }).catch(() => null);
    if (!auth) {
      refuseUpgrade(socket, 503, "The broker could not check the signature; try again.");
      return;
    }
    if (!auth.ok) {
      refuseUpgrade(socket, 401, auth.message);
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.attachControl(ws, auth.user.id));
  }

  handleDataUpgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const token = upgradeToken(DATA_UPGRADE, request.headers);
    const session = token ? this.sessionsByToken.get(token) : undefined;
    const dialled = !session && token !== undefined && this.options.remote.streams.has(token);
    if (!session && !dialled) {
      refuseUpgrade(socket, 401, "Unknown tunnel session.");
      return;
    }
    socket.write(DATA_UPGRADE.switched);
    if (head.length > 0) socket.unshift(head);
    // Errors end the socket; whoever carries it sees the close.
    socket.on("error", () => socket.destroy());
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    if (session) session.addDataConnection(socket);
    else if (!this.options.remote.streams.claim(token ?? "", socket)) socket.destroy();
  }

  private attachControl(ws: WebSocket, userId: string): void {
    const helloTimer = setTimeout(() => ws.terminate(), HELLO_TIMEOUT_MS);
    let session: DeviceSession | undefined;
    this.answeredPing.add(ws);
    ws.on("pong", () => this.answeredPing.add(ws));
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      clearTimeout(helloTimer);
      if (session) {
        this.endSession(session, true);
        this.noteReported(session.deviceId);
      }
    });
    ws.once("message", async (data) => {
      clearTimeout(helloTimer);
      const hello = helloSchema.safeParse(safeJson(data.toString()));
      if (!hello.success) {
        ws.close(INVALID_HELLO_CLOSE_CODE, "The first message must be a valid hello.");
        return;
      }
      const refusal = versionRefusal(hello.data.protocol);
      if (refusal) {
        this.options.log.warn("refused an agent's tunnel protocol", {
          protocol: hello.data.protocol,
        });
        ws.close(VERSION_REFUSED_CLOSE_CODE, refusal);
        return;
      }
      let registered: Registration;
      try {
        registered = await this.options.devices.register(
          userId,
          hello.data.hardwareId,
          hello.data.name,
          hello.data.services,
          hello.data.tags,
        );
      } catch (error) {
        // A store that cannot be written (full disk) must not take the broker down; the
        // agent hears why and retries with its backoff.
        this.options.log.error("could not register a device", { error: String(error) });
        ws.close(1011, "The broker could not save this device; it will be retried.");
        return;
      }
      const { device, services, removedServiceIds } = registered;
      if (removedServiceIds.length > 0) this.servicesRemoved(removedServiceIds);
      // The agent may have gone while the store answered; then there is no one to welcome.
      if (ws.readyState !== ws.OPEN) return;
      try {
        await this.writePresence(device.id, (devices) =>
          devices.attach(device.id, this.options.node),
        );
      } catch (error) {
        this.options.log.error("could not record where a device is attached", {
          error: String(error),
        });
        ws.close(1011, "The broker could not save this device; it will be retried.");
        return;
      }
      if (ws.readyState !== ws.OPEN) {
        // Gone while being recorded: undo it, unless another session of it is here now.
        if (!this.sessions.has(device.id)) {
          const { node } = this.options;
          void this.writePresence(device.id, (d) => d.detach(device.id, node)).catch(() => {});
        }
        return;
      }
      const previous = this.sessions.get(device.id);
      // Replaced, not gone: the device stays attached here.
      if (previous) this.endSession(previous, false);
      session = new DeviceSession(
        device.id,
        userId,
        randomBytes(32).toString("base64url"),
        ws,
        hello.data.protocol,
      );
      this.sessions.set(device.id, session);
      this.sessionsByToken.set(session.dataToken, session);
      const welcome: Welcome = {
        type: "welcome",
        deviceId: device.id,
        services: services.map((s) => ({ id: s.id, name: s.name })),
        dataToken: session.dataToken,
        poolSize: this.options.poolSize,
        stunPort: this.options.stunPort(),
      };
      ws.send(JSON.stringify(welcome));
      const current = session;
      ws.on("message", (later) => {
        const message = agentMessageSchema.safeParse(safeJson(later.toString()));
        if (message.success) current.receive(message.data);
        this.noteReported(current.deviceId);
      });
      this.options.log.info("device online", { deviceId: device.id, name: device.name });
      this.options.events.publish(userId, { kind: "device", deviceId: device.id, online: true });
    });
  }

  /** Clears what an earlier run of this node left attached: none of its tunnels survived. */
  async forgetEarlierAttachments(): Promise<void> {
    await this.options.devices.detachAll(this.options.node);
  }

  /**
   * Records that a device left this node, retrying with backoff while the store is away:
   * left attached to a live node, it would show online with no agent behind it. A newer
   * session of it here makes the retry moot.
   */
  private detachUntilSaved(deviceId: string, node: number, delayMs: number): void {
    this.writePresence(deviceId, (devices) => devices.detach(deviceId, node)).catch((error) => {
      if (delayMs === RETRY_DETACH_MIN_MS) {
        this.options.log.warn("could not record that a device left; retrying", {
          deviceId,
          error: String(error),
        });
      }
      const retry = setTimeout(() => {
        if (!this.closing && !this.sessions.has(deviceId)) {
          this.detachUntilSaved(deviceId, node, Math.min(delayMs * 2, RETRY_DETACH_MAX_MS));
        }
      }, delayMs);
      retry.unref();
    });
  }

  /** Runs a device's attach or detach after the one before it, whatever that one did. */
  private writePresence(
    deviceId: string,
    write: (devices: DeviceStore) => Promise<void>,
  ): Promise<void> {
    const before = this.presenceWrites.get(deviceId) ?? Promise.resolve();
    const next = before.catch(() => {}).then(() => write(this.options.devices));
    const settled = next.catch(() => {});
    this.presenceWrites.set(deviceId, settled);
    void settled.then(() => {
      if (this.presenceWrites.get(deviceId) === settled) this.presenceWrites.delete(deviceId);
    });
    return next;
  }

  /** lastReported follows the control channel; a store that cannot record it is only logged. */
  private noteReported(deviceId: string): void {
    if (this.closing) return;
    this.options.devices.reported(deviceId, new Date().toISOString()).catch((error) => {
      this.options.log.warn("could not record when a device reported", { error: String(error) });
    });
  }

  /** Ends a session; `detach` when the device leaves this node (not when replaced here). */
  private endSession(session: DeviceSession, detach: boolean): void {
    if (this.sessions.get(session.deviceId) === session) {
      this.sessions.delete(session.deviceId);
      if (detach && !this.closing) {
        const { node } = this.options;
        this.detachUntilSaved(session.deviceId, node, RETRY_DETACH_MIN_MS);
      }
      this.options.log.info("device offline", { deviceId: session.deviceId });
      this.options.events.publish(session.userId, {
        kind: "device",
        deviceId: session.deviceId,
        online: false,
      });
    }
    this.sessionsByToken.delete(session.dataToken);
    session.close();
  }

  private pingAll(): void {
    // A control channel that did not answer the previous ping is dead: the device is
    // offline even if no FIN ever arrived.
    for (const client of this.wss.clients) {
      if (!this.answeredPing.delete(client)) client.terminate();
      else client.ping();
    }
  }

  close(): void {
    this.closing = true;
    clearInterval(this.pinger);
    // Attachments stay in the store: the next start of this node clears them, and until
    // then this node is not live, so its devices show offline.
    for (const session of [...this.sessions.values()]) this.endSession(session, false);
    this.wss.close();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
