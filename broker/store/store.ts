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
  /**
   * The broker node holding the device's tunnel now, or null when none does. The device is
   * online while that node is live (cluster/presence.ts): a node that died keeps its
   * attachments until it returns, but is not live.
   */
  node: number | null;
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

/** A service with the id of the user owning it and the node holding its device's tunnel. */
export type OwnedService = ServiceRow & { userId: string; deviceNode: number | null };

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
  /** Records that the device's tunnel is now held by `node` (wherever it was before). */
  attach(deviceId: string, node: number): Promise<void>;
  /** Clears the device's attachment, only if it is still to `node`: a newer one stays. */
  detach(deviceId: string, node: number): Promise<void>;
  /** Clears every attachment to `node`: when it starts, none of its old tunnels survived. */
  detachAll(node: number): Promise<void>;
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
  /**
   * The nodes alive now (cluster/presence.ts knows, the store does not): a device is active
   * while its `node` is one of them.
   */
  liveNodes: readonly number[];
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
  /**
   * The broker node serving it: its port proxy listens there, or its reverse-proxy host is
   * `<label>.p<node>.<domain>`. That node restores it after a restart and ends it on expiry.
   */
  node: number;
}

/**
 * Connections. Only 'active' rows have a live listener or host; the others are kept as
 * history with the reason they ended. An active row's port and host are unique.
 */
export interface ConnectionStore {
  insert(row: ConnectionRow): Promise<void>;
  /**
   * Inserts the row only while its user has fewer than `cap` active connections, counted
   * and inserted as one step however many nodes insert at once; false when at the cap.
   */
  insertWithinCap(row: ConnectionRow, cap: number): Promise<boolean>;
  /** Marks an active connection ended; false when it was not active. */
  end(id: string, reason: EndReason): Promise<boolean>;
  /**
   * Latches the connection to `address` unless it latched already: the first address
   * recorded wins, whichever node records it. Returns the address it is latched to.
   */
  recordLatch(id: string, address: string): Promise<string>;
  /** Records traffic at `at` (ms) on a connection some node serves but does not own. */
  touch(id: string, at: number): Promise<void>;
  find(
    id: string,
  ): Promise<(ConnectionRow & { state: string; lastActivity: number | null }) | undefined>;
  /** The active reverse proxy at this host, whichever node serves it. */
  findActiveByHost(host: string): Promise<ConnectionRow | undefined>;
  listActiveOfUser(userId: string): Promise<ConnectionRow[]>;
  countActive(userId: string): Promise<number>;
  listAllActive(): Promise<ConnectionRow[]>;
  /** The active connections `node` serves (what it restores when it starts). */
  listActiveOfNode(node: number): Promise<ConnectionRow[]>;
  /** Of these ids, those no longer active (a node drops what another node ended). */
  endedAmong(ids: readonly string[]): Promise<string[]>;
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

/** Where a broker node is reached, as it announces itself with each heartbeat. */
export interface NodeAddress {
  node: number;
  /** Its listener as agents and other nodes reach it: scheme, public host, port. */
  url: string;
  /** The host printed in its port proxies' URLs. */
  publicHost: string;
  /** The addresses the broker's DNS gives for its names (p<N>, ns<N>, the apex). */
  publicIps: string[];
}

export interface NodeRow extends NodeAddress {
  /** When it last started (ISO). */
  started: string;
  /** When it last heartbeat (ISO, by the store's clock). */
  heartbeat: string;
  /** Whether its last heartbeat is within the window `list` was asked with. */
  live: boolean;
}

/** A node with what it holds, for operators (`reach admin nodes`). */
export interface NodeSummary extends NodeRow {
  /** Devices whose tunnel it holds. */
  devices: number;
  /** Active connections it serves. */
  connections: number;
}

/** The broker nodes sharing this store: one row each, kept fresh by heartbeats. */
export interface NodeStore {
  /**
   * Records that the node is alive now, by the store's clock (so that nodes whose clocks
   * differ agree on who is live). `starting` also sets its start time.
   */
  heartbeat(address: NodeAddress, starting: boolean): Promise<void>;
  /**
   * Every node that ever heartbeat, by number; live when heard from within `liveWithinMs`.
   * Cheap: every node reads it with each heartbeat.
   */
  list(liveWithinMs: number): Promise<NodeRow[]>;
  /** The same with each node's devices and connections counted: for operators, not per beat. */
  summaries(liveWithinMs: number): Promise<NodeSummary[]>;
  /**
   * The secret nodes present to one another, made once by whichever node asks first and
   * the same for all of them after.
   */
  clusterSecret(): Promise<string>;
}

/**
 * What a cluster's nodes share for ACME: the DNS-01 TXT values (the CA may ask any node's
 * DNS, so every node must answer what one node published) and the one account key.
 * Names are fully qualified, lower case, without the trailing dot.
 */
export interface AcmeStore {
  /** The values published under `name` that have not expired. */
  challengeValues(name: string): Promise<string[]>;
  /**
   * Publishes `value` under `name` for `ttlMs` (a node that dies mid-order leaves nothing
   * for long); expired values of every name are purged on the way.
   */
  addChallenge(name: string, value: string, ttlMs: number): Promise<void>;
  removeChallenge(name: string, value: string): Promise<void>;
  /**
   * The cluster's ACME account key: `candidate` when no node stored one yet, otherwise the
   * one that stands, the same for every node.
   */
  accountKey(candidate: string): Promise<string>;
}

export interface BrokerStore {
  users: UserStore;
  devices: DeviceStore;
  connections: ConnectionStore;
  links: LinkStore;
  nodes: NodeStore;
  acme: AcmeStore;
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

/**
 * The store could not be reached at all (a database server down or cut off): nothing was
 * read or written. The API refuses with SERVICE_UNAVAILABLE (storage-error.ts) so that
 * callers retry; open connections keep carrying bytes meanwhile.
 */
export class StoreUnreachable extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what} could not be reached: ${messageOf(cause)}.`, { cause });
    this.name = "StoreUnreachable";
  }
}
