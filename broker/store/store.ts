// The broker's store as every caller sees it: users and their keys, devices and their
// services, connections and their latches. Asynchronous, so that a database reached over
// the network (PostgreSQL, for a cluster of broker nodes) can implement it as SQLite does
// (sqlite/); callers never learn which one they have.
import { messageOf } from "../../common/result.js";
import type { ServiceSpec } from "../../common/tunnel/protocol.js";

export interface User {
  id: string;
  email: string;
}

export interface NewUserKeys {
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface UserStore {
  /** The user and secret behind an access key id, looked up afresh on every request. */
  findByAccessKey(accessKeyId: string): Promise<{ user: User; secret: string } | undefined>;
  /** Creates a user, or adds a fresh key to an existing one with that email. */
  createUserWithKey(email: string): Promise<NewUserKeys>;
}

export interface DeviceRow {
  id: string;
  userId: string;
  hardwareId: string;
  name: string;
  created: string;
}

export interface ServiceRow {
  id: string;
  deviceId: string;
  name: string;
  application: number;
  port: number;
  host: string;
}

/** A service with the id of the user owning it. */
export type OwnedService = ServiceRow & { userId: string };

export interface Registration {
  device: DeviceRow;
  services: ServiceRow[];
  /** Services the agent no longer announces, now removed: their connections must end. */
  removedServiceIds: string[];
}

export interface DeviceStore {
  /**
   * Registers a device and its services for a user, in one transaction. Idempotent: the
   * same hardware id keeps its device id and the same service name keeps its service id.
   */
  register(
    userId: string,
    hardwareId: string,
    name: string,
    services: ServiceSpec[],
  ): Promise<Registration>;
  findService(serviceId: string): Promise<OwnedService | undefined>;
  findDevice(deviceId: string): Promise<DeviceRow | undefined>;
  countDevices(userId: string): Promise<number>;
  /** A page of the user's devices, oldest first. */
  listDevices(userId: string, size: number, from: number): Promise<DeviceRow[]>;
  /** A device's services, by name. */
  listServices(deviceId: string): Promise<ServiceRow[]>;
}

export type EndReason = "disconnected" | "expired" | "idle" | "removed";

export interface ConnectionRow {
  id: string;
  userId: string;
  serviceId: string;
  created: string;
  expiresAt: number;
  timeout: number;
  reverseProxy: boolean;
  host: string;
  port: number | null;
  url: string;
  /** The connect's hostIP, as remote.it spells the field: 0.0.0.0, one address, or latching. */
  hostIP: string;
  latchedIp: string | null;
}

/**
 * Connections. Only 'active' rows have a live listener or host; the others are kept as
 * history with the reason they ended. An active row's port and host are unique.
 */
export interface ConnectionStore {
  insert(row: ConnectionRow): Promise<void>;
  /** Marks an active connection ended; false when it was not active. */
  end(id: string, reason: EndReason): Promise<boolean>;
  recordLatch(id: string, address: string): Promise<void>;
  find(id: string): Promise<(ConnectionRow & { state: string }) | undefined>;
  listActiveOfUser(userId: string): Promise<ConnectionRow[]>;
  countActive(userId: string): Promise<number>;
  listAllActive(): Promise<ConnectionRow[]>;
  activeIdsOfService(serviceId: string): Promise<string[]>;
}

export interface BrokerStore {
  users: UserStore;
  devices: DeviceStore;
  connections: ConnectionStore;
  close(): Promise<void>;
}

/**
 * A write the store could not make because its disk is full or failing. The write was a
 * transaction, so nothing changed; implementations reject with this so that callers can
 * say so (storage-error.ts) without knowing the database's own codes.
 */
export class StorageFailure extends Error {
  constructor(cause: unknown) {
    super(`The store could not be written: ${messageOf(cause)}`, { cause });
    this.name = "StorageFailure";
  }
}
