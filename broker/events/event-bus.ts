// The broker's in-process event bus: the gateway (devices online/offline), the connection
// manager (connections opened/ended) and live connections (visitor sessions started/ended)
// publish here; the `event` subscription reads one user's events. Events are kept per
// owner, so publishing for a user nobody listens for is one Map lookup and nothing else.
import { randomUUID } from "node:crypto";
import { apiError } from "../api/api-error.js";
import type { VisitorSession } from "../connections/visitor-session.js";
import type { ConnectionRow, EndReason, ServiceRow } from "../store/store.js";

/** What happened, without id and time (the bus stamps those only when someone listens). */
export type BrokerEventBody =
  | { kind: "device"; deviceId: string; online: boolean }
  | {
      kind: "connection";
      action: "opened" | "ended";
      /** Why it ended; null when it opened. */
      reason: EndReason | null;
      connection: ConnectionRow;
      service: ServiceRow;
    }
  | {
      kind: "session";
      action: "started" | "ended";
      session: VisitorSession;
      connection: ConnectionRow;
      service: ServiceRow;
    };

export type BrokerEvent = BrokerEventBody & { id: string; at: number; userId: string };

/**
 * What other nodes of a cluster hear too: devices and connections, whose subscribers may be
 * signed in to any node. Visitor sessions stay on the node carrying them (one per TCP
 * visitor would be a cluster-wide message each).
 */
export type SharedEventBody = Exclude<BrokerEventBody, { kind: "session" }>;

/** How many `event` subscriptions one user may hold at once, over all their sockets. */
export const MAX_SUBSCRIPTIONS_PER_USER = 10;

/**
 * Events a subscriber has not read yet, at most: one that falls this far behind is ended
 * rather than left to grow the broker's memory without bound.
 */
const MAX_QUEUED_EVENTS = 1000;

type Listener = (event: BrokerEvent) => void;

export class EventBus {
  private readonly listeners = new Map<string, Set<Listener>>();

  /** `share` passes devices' and connections' events on to the other nodes. */
  constructor(private readonly share: (userId: string, body: SharedEventBody) => void = () => {}) {}

  /** Tells `userId`'s subscribers (here and, through `share`, on other nodes). */
  publish(userId: string, body: BrokerEventBody): void {
    if (body.kind !== "session") this.share(userId, body);
    this.deliver(userId, body);
  }

  /** An event another node published: for this node's subscribers only. */
  receive(userId: string, body: SharedEventBody): void {
    this.deliver(userId, body);
  }

  /** Costs a Map lookup when nobody listens. */
  private deliver(userId: string, body: BrokerEventBody): void {
    const listening = this.listeners.get(userId);
    if (!listening) return;
    const event: BrokerEvent = { ...body, id: randomUUID(), at: Date.now(), userId };
    for (const listener of listening) listener(event);
  }

  /** How many subscriptions `userId` holds now. */
  subscriptionsOf(userId: string): number {
    return this.listeners.get(userId)?.size ?? 0;
  }

  /**
   * `userId`'s events from now on, until the iterator is returned. Refused with
   * RESOURCE_EXHAUSTED past MAX_SUBSCRIPTIONS_PER_USER: the check and the count happen in
   * one synchronous step, so racing subscribes cannot pass the bound together.
   */
  subscribe(userId: string): AsyncIterableIterator<BrokerEvent> {
    const listening = this.listeners.get(userId) ?? new Set<Listener>();
    if (listening.size >= MAX_SUBSCRIPTIONS_PER_USER) {
      throw apiError(
        "RESOURCE_EXHAUSTED",
        `You already have ${MAX_SUBSCRIPTIONS_PER_USER} event subscriptions, the most allowed: end one first.`,
      );
    }
    const queued: BrokerEvent[] = [];
    let waiting: ((result: IteratorResult<BrokerEvent>) => void) | null = null;
    let done = false;
    const finish = (): IteratorResult<BrokerEvent> => {
      done = true;
      queued.length = 0;
      listening.delete(listener);
      if (listening.size === 0 && this.listeners.get(userId) === listening) {
        this.listeners.delete(userId);
      }
      const wake = waiting;
      waiting = null;
      wake?.({ done: true, value: undefined });
      return { done: true, value: undefined };
    };
    const listener: Listener = (event) => {
      if (waiting) {
        const wake = waiting;
        waiting = null;
        wake({ done: false, value: event });
      } else if (queued.length >= MAX_QUEUED_EVENTS) {
        finish();
      } else {
        queued.push(event);
      }
    };
    listening.add(listener);
    this.listeners.set(userId, listening);
    return {
      next: () => {
        const event = queued.shift();
        if (event) return Promise.resolve({ done: false, value: event });
        if (done) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => {
          waiting = resolve;
        });
      },
      return: () => Promise.resolve(finish()),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
