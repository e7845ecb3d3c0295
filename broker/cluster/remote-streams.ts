// Data connections this node asked another node's device for (a `dial`): each waits under
// a one-time token until the agent's data connection presents it here, or times out.
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { DeviceOfflineError } from "../tunnel/device-session.js";

/** As long as a visitor waits for a pooled connection of a device attached here. */
const DIAL_WAIT_MS = 10_000;

interface Waiting {
  resolve: (socket: Socket) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class RemoteStreams {
  private readonly waiting = new Map<string, Waiting>();

  /** A fresh token, and the data connection that will present it. */
  expect(): { token: string; connection: Promise<Socket> } {
    const token = randomBytes(32).toString("base64url");
    const connection = new Promise<Socket>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(token);
        reject(new DeviceOfflineError("The device's agent did not dial this node in time."));
      }, DIAL_WAIT_MS);
      this.waiting.set(token, { resolve, reject, timer });
    });
    return { token, connection };
  }

  /** Whether a dial with this token is awaited (checked before the upgrade is answered). */
  has(token: string): boolean {
    return this.waiting.has(token);
  }

  /** Gives `socket` to whoever waits for `token`; false when nobody does (used or unknown). */
  claim(token: string, socket: Socket): boolean {
    const waiting = this.waiting.get(token);
    if (!waiting) return false;
    this.waiting.delete(token);
    clearTimeout(waiting.timer);
    waiting.resolve(socket);
    return true;
  }

  /** Gives up on a token whose dial could not be sent. */
  cancel(token: string, error: Error): void {
    const waiting = this.waiting.get(token);
    if (!waiting) return;
    this.waiting.delete(token);
    clearTimeout(waiting.timer);
    waiting.reject(error);
  }

  close(): void {
    for (const token of [...this.waiting.keys()]) {
      this.cancel(token, new DeviceOfflineError("The broker is stopping."));
    }
  }
}
