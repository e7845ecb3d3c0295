// One connected agent: its control WebSocket and its pool of idle data connections.
import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import {
  type AgentMessage,
  type BrokerMessage,
  encodeStreamHeader,
  type StreamHeader,
} from "../../common/tunnel/protocol.js";
import { unhandled } from "../../common/unhandled.js";

/** How long a visitor waits for the agent to open a data connection. */
const DATA_CONNECTION_WAIT_MS = 10_000;

interface Waiter {
  resolve: (socket: Socket) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class DeviceOfflineError extends Error {}

export class DeviceSession {
  /** Idle data connections, each with the listener that drops it from the pool. */
  private readonly idle = new Map<Socket, () => void>();
  private readonly waiters: Waiter[] = [];
  /** Peer offers sent to the agent, by session id, waiting for its answer. */
  private readonly peerReplies = new Map<string, (reply: AgentMessage | null) => void>();
  private closed = false;
  /** Streams carried since the session started, for stats. */
  streamsOpened = 0;

  constructor(
    readonly deviceId: string,
    readonly userId: string,
    readonly dataToken: string,
    private readonly control: WebSocket,
    /** The tunnel protocol version the agent announced (version.ts). */
    readonly protocol: number,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  get idleCount(): number {
    return this.idle.size;
  }

  send(message: BrokerMessage): void {
    if (!this.closed) this.control.send(JSON.stringify(message));
  }

  /**
   * Sends a peer offer and waits up to `waitMs` for the agent's answer or refusal;
   * null when it did not reply in time or the device went offline.
   */
  askPeer(
    message: BrokerMessage & { type: "peer-offer" },
    waitMs: number,
  ): Promise<AgentMessage | null> {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(null), waitMs);
      const settle = (reply: AgentMessage | null) => {
        clearTimeout(timer);
        this.peerReplies.delete(message.sessionId);
        resolve(reply);
      };
      this.peerReplies.set(message.sessionId, settle);
      this.send(message);
    });
  }

  /** A message from the agent after its hello. */
  receive(message: AgentMessage): void {
    switch (message.type) {
      case "peer-answer":
      case "peer-refused":
        this.peerReplies.get(message.sessionId)?.(message);
        return;
      default:
        unhandled(message);
    }
  }

  /** A data connection the agent just opened joins the pool or goes to a waiting stream. */
  addDataConnection(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(socket);
      return;
    }
    const drop = () => this.idle.delete(socket);
    this.idle.set(socket, drop);
    socket.once("close", drop);
  }

  /**
   * Opens a stream to one of the device's services: takes an idle data connection (or
   * asks the agent for one and waits), and writes the stream header on it.
   */
  async openStream(header: StreamHeader): Promise<Socket> {
    const socket = await this.takeDataConnection();
    this.streamsOpened++;
    socket.write(encodeStreamHeader(header));
    return socket;
  }

  private takeDataConnection(): Promise<Socket> {
    if (this.closed) return Promise.reject(new DeviceOfflineError("The device is offline."));
    for (const [socket, drop] of this.idle) {
      this.idle.delete(socket);
      socket.off("close", drop);
      if (!socket.destroyed) return Promise.resolve(socket);
    }
    this.send({ type: "open", count: 1 });
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(
            new DeviceOfflineError("The device's agent did not open a data connection in time."),
          );
        }, DATA_CONNECTION_WAIT_MS),
      };
      this.waiters.push(waiter);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const socket of this.idle.keys()) socket.destroy();
    this.idle.clear();
    for (const settle of [...this.peerReplies.values()]) settle(null);
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new DeviceOfflineError("The device went offline."));
    }
    this.control.terminate();
  }
}
