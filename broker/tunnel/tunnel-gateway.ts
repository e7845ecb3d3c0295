// Where agents attach: the control WebSocket (R3-signed, registers the device) and the
// raw data connections that carry visitors' bytes.
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { agentMessageSchema, helloSchema, type Welcome } from "../../common/tunnel/protocol.js";
import { DATA_UPGRADE, upgradeToken } from "../../common/tunnel/upgrade.js";
import {
  INVALID_HELLO_CLOSE_CODE,
  VERSION_REFUSED_CLOSE_CODE,
  versionRefusal,
} from "../../common/tunnel/version.js";
import { verifyR3 } from "../auth/verify-r3.js";
import type { EventBus } from "../events/event-bus.js";
import type { Logger } from "../log.js";
import type { DeviceStore, Registration, UserStore } from "../store/store.js";
import { DeviceOfflineError, DeviceSession } from "./device-session.js";
import { refuseUpgrade } from "./refuse-upgrade.js";

const HELLO_TIMEOUT_MS = 10_000;
const PING_INTERVAL_MS = 15_000;

export interface TunnelGatewayOptions {
  users: UserStore;
  devices: DeviceStore;
  poolSize: number;
  /** The broker's STUN port, told to agents for their ICE candidates; null when off. */
  stunPort: () => number | null;
  log: Logger;
  /** Hears devices come online and go offline. */
  events: EventBus;
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

  constructor(private readonly options: TunnelGatewayOptions) {
    this.pinger = setInterval(() => this.pingAll(), PING_INTERVAL_MS);
    this.pinger.unref();
  }

  /** Sets who hears of services a device re-registered without (their connections end). */
  onServicesRemoved(listener: (serviceIds: string[]) => void): void {
    this.servicesRemoved = listener;
  }

  isOnline(deviceId: string): boolean {
    return this.sessions.has(deviceId);
  }

  /** The live session of a device, or undefined while its agent is offline. */
  sessionOf(deviceId: string): DeviceSession | undefined {
    return this.sessions.get(deviceId);
  }

  /** Opens a stream to a service of a connected device. */
  openStream(deviceId: string, serviceId: string): Promise<Socket> {
    const session = this.sessions.get(deviceId);
    if (!session) return Promise.reject(new DeviceOfflineError("The device is offline."));
    return session.openStream({ serviceId });
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
    if (!session) {
      refuseUpgrade(socket, 401, "Unknown tunnel session.");
      return;
    }
    socket.write(DATA_UPGRADE.switched);
    if (head.length > 0) socket.unshift(head);
    // Errors end the socket; whoever carries it sees the close.
    socket.on("error", () => socket.destroy());
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    session.addDataConnection(socket);
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
        this.endSession(session);
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
      const previous = this.sessions.get(device.id);
      if (previous) this.endSession(previous);
      session = new DeviceSession(device.id, userId, randomBytes(32).toString("base64url"), ws);
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

  /** Devices whose agent is connected now (for the API's state filter and sort). */
  onlineDeviceIds(): string[] {
    return [...this.sessions.keys()];
  }

  /** lastReported follows the control channel; a store that cannot record it is only logged. */
  private noteReported(deviceId: string): void {
    if (this.closing) return;
    this.options.devices.reported(deviceId, new Date().toISOString()).catch((error) => {
      this.options.log.warn("could not record when a device reported", { error: String(error) });
    });
  }

  private endSession(session: DeviceSession): void {
    if (this.sessions.get(session.deviceId) === session) {
      this.sessions.delete(session.deviceId);
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
    for (const session of [...this.sessions.values()]) this.endSession(session);
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
