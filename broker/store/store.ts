// The broker's store as every caller sees it: users and their keys, devices and their
// services, connections and their latches, public links. Asynchronous, so that a database reached over
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
  /** When the agent last reported: its hello, then its control channel's messages and close. */
  lastReported: string;
}

export interface ServiceRow {
  id: string;
  deviceId: string;
  name: string;
  application: number;
  port: number;
  host: string;
  created: string;
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
    tags?: readonly string[],
  ): Promise<Registration>;
  /** Records that a device's agent was heard from at `at` (ISO time). */
  reported(deviceId: string, at: string): Promise<void>;
  findService(serviceId: string): Promise<OwnedService | undefined>;
  /** One device by id, whoever owns it (events and sessions name their device). */
  findDevice(deviceId: string): Promise<DeviceRow | undefined>;
  /** One page of the user's devices that match `query`, and how many match in all. */
  findDevices(userId: string, query: DeviceQuery): Promise<{ total: number; items: DeviceRow[] }>;
  /** A device's services by name, only those of these applications when given. */
  listServices(deviceId: string, applications?: readonly number[]): Promise<ServiceRow[]>;
  /** The user's services among these ids, by name; others' ids are left out. */
  servicesOfUser(userId: string, ids: readonly string[]): Promise<ServiceRow[]>;
  /** A device's tags, by name. */
  tagsOf(deviceId: string): Promise<string[]>;
}

export type DeviceSortField = "name" | "created" | "state" | "lastReported";

/** remote.it's devices(…) filters, validated; absent filters match everything. */
export interface DeviceQuery {
  size: number;
  from: number;
  sort: { field: DeviceSortField; descending: boolean };
  /** Case-insensitive substring of the name. */
  name?: string;
  hardwareId?: string;
  ids?: readonly string[];
  /** Devices with a service of one of these applications. */
  applications?: readonly number[];
  /** Devices with any, or all, of these tag names. */
  tags?: { operator: "ANY" | "ALL"; names: readonly string[] };
  state?: "active" | "inactive";
  /** The devices whose agent is connected now: the broker knows this, the store does not. */
  onlineIds: readonly string[];
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

/**
 * A service's persistent public link (remote.it's ConnectLink): one per service, served
 * at `host` while enabled. The password is only ever kept as a hash.
 */
export interface LinkRow {
  serviceId: string;
  userId: string;
  /** The link's host name, `<code>.p<N>.<domain>`; it never changes while the link exists. */
  host: string;
  /** The random label the host starts with (remote.it's `code`). */
  code: string;
  enabled: boolean;
  /** scrypt hash (link-password.ts), or null when visitors need no password. */
  passwordHash: string | null;
  allow: string[];
  deny: string[];
  created: string;
}

export interface LinkStore {
  /** Creates the service's link, or replaces its settings (host, code, created are kept). */
  save(row: LinkRow): Promise<void>;
  find(serviceId: string): Promise<LinkRow | undefined>;
  listOfUser(userId: string): Promise<LinkRow[]>;
  listAll(): Promise<LinkRow[]>;
  /** Forgets the service's link; false when it had none. */
  remove(serviceId: string): Promise<boolean>;
}

export interface BrokerStore {
  users: UserStore;
  devices: DeviceStore;
  connections: ConnectionStore;
  links: LinkStore;
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
