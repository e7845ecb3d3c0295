// Devices and their services, as agents announce them, in SQLite.
import type { ServiceSpec } from "../../../common/tunnel/protocol.js";
import { newServiceAddress } from "../ids.js";
import type {
  DeviceQuery,
  DeviceRow,
  DeviceSortField,
  DeviceStore,
  OwnedService,
  Registration,
  ServiceRow,
} from "../store.js";
import type { Db } from "./open-database.js";
import { guardWrite } from "./storage-failure.js";

const DEVICE_COLUMNS =
  "d.id, d.user_id AS userId, d.hardware_id AS hardwareId, d.name, d.created, d.last_reported AS lastReported, d.attached_node AS node";
const SERVICE_COLUMNS =
  "s.id, s.device_id AS deviceId, s.name, s.application, s.port, s.host, s.created";
/** 'active' while a live node (one of @liveNodes) holds the device's tunnel, as the API says. */
const STATE_OF_DEVICE =
  "CASE WHEN d.attached_node IN (SELECT value FROM json_each(@liveNodes)) THEN 'active' ELSE 'inactive' END";
const SORT_COLUMNS: Record<DeviceSortField, string> = {
  name: "d.name COLLATE NOCASE",
  created: "d.created",
  lastReported: "d.last_reported",
  state: STATE_OF_DEVICE,
};

export class SqliteDeviceStore implements DeviceStore {
  // Prepared once: these run per control-channel message (reported), per device listed
  // (tagsOf) and per event or session named (findDevice).
  private readonly serviceById;
  private readonly servicesOfDevice;
  private readonly deviceById;
  private readonly tagsOfDevice;
  private readonly reportedAt;
  private readonly attachStatement;
  private readonly detachStatement;
  private readonly detachAllStatement;

  constructor(private readonly db: Db) {
    this.deviceById = db.prepare<[string], DeviceRow>(
      `SELECT ${DEVICE_COLUMNS} FROM devices d WHERE d.id = ?`,
    );
    this.tagsOfDevice = db.prepare<[string], { name: string }>(
      "SELECT name FROM device_tags WHERE device_id = ? ORDER BY name",
    );
    this.reportedAt = db.prepare<[string, string]>(
      "UPDATE devices SET last_reported = ? WHERE id = ?",
    );
    this.attachStatement = db.prepare<[number, string]>(
      "UPDATE devices SET attached_node = ? WHERE id = ?",
    );
    this.detachStatement = db.prepare<[string, number]>(
      "UPDATE devices SET attached_node = NULL WHERE id = ? AND attached_node = ?",
    );
    this.detachAllStatement = db.prepare<[number]>(
      "UPDATE devices SET attached_node = NULL WHERE attached_node = ?",
    );
    this.serviceById = db.prepare<[string], OwnedService>(
      `SELECT ${SERVICE_COLUMNS}, d.user_id AS userId, d.attached_node AS deviceNode
       FROM services s JOIN devices d ON d.id = s.device_id WHERE s.id = ?`,
    );
    this.servicesOfDevice = db.prepare<[string], ServiceRow>(
      `SELECT ${SERVICE_COLUMNS} FROM services s WHERE s.device_id = ? ORDER BY s.name`,
    );
  }

  async register(
    userId: string,
    hardwareId: string,
    name: string,
    services: ServiceSpec[],
    tags: readonly string[] = [],
  ): Promise<Registration> {
    const now = new Date().toISOString();
    return guardWrite(() => this.registerNow(userId, hardwareId, name, services, tags, now));
  }

  async reported(deviceId: string, at: string): Promise<void> {
    guardWrite(() => this.reportedAt.run(at, deviceId));
  }

  private registerNow(
    userId: string,
    hardwareId: string,
    name: string,
    services: ServiceSpec[],
    tags: readonly string[],
    now: string,
  ): Registration {
    return this.db.transaction(() => {
      let device = this.db
        .prepare<[string, string], DeviceRow>(
          `SELECT ${DEVICE_COLUMNS} FROM devices d WHERE d.user_id = ? AND d.hardware_id = ?`,
        )
        .get(userId, hardwareId);
      if (device) {
        this.db
          .prepare("UPDATE devices SET name = ?, last_reported = ? WHERE id = ?")
          .run(name, now, device.id);
        device = { ...device, name, lastReported: now };
      } else {
        device = {
          id: this.unusedAddress(),
          userId,
          hardwareId,
          name,
          created: now,
          lastReported: now,
          node: null,
        };
        this.db
          .prepare(
            `INSERT INTO devices (id, user_id, hardware_id, name, created, last_reported)
             VALUES (?, ?, ?, ?, ?, ?)`,
          )
          .run(device.id, userId, hardwareId, name, now, now);
      }
      this.db.prepare("DELETE FROM device_tags WHERE device_id = ?").run(device.id);
      const addTag = this.db.prepare(
        "INSERT OR IGNORE INTO device_tags (device_id, name) VALUES (?, ?)",
      );
      for (const tag of tags) addTag.run(device.id, tag);
      const existing = this.servicesOfDevice.all(device.id);
      const announced = new Set(services.map((s) => s.name));
      const removed = existing.filter((s) => !announced.has(s.name));
      for (const service of removed) {
        this.db.prepare("DELETE FROM services WHERE id = ?").run(service.id);
      }
      for (const spec of services) {
        const known = existing.find((s) => s.name === spec.name);
        if (known) {
          this.db
            .prepare("UPDATE services SET application = ?, port = ?, host = ? WHERE id = ?")
            .run(spec.application, spec.port, spec.host, known.id);
        } else {
          this.db
            .prepare(
              `INSERT INTO services (id, device_id, name, application, port, host, created)
               VALUES (?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              this.unusedAddress(),
              device.id,
              spec.name,
              spec.application,
              spec.port,
              spec.host,
              now,
            );
        }
      }
      return {
        device,
        services: this.servicesOfDevice.all(device.id),
        removedServiceIds: removed.map((s) => s.id),
      };
    })();
  }

  async findService(serviceId: string): Promise<OwnedService | undefined> {
    return this.serviceById.get(serviceId);
  }

  async findDevice(deviceId: string): Promise<DeviceRow | undefined> {
    return this.deviceById.get(deviceId);
  }

  async findDevices(
    userId: string,
    query: DeviceQuery,
  ): Promise<{ total: number; items: DeviceRow[] }> {
    const where = ["d.user_id = @userId"];
    const params: Record<string, unknown> = {
      userId,
      liveNodes: JSON.stringify(query.liveNodes),
      size: query.size,
      from: query.from,
    };
    if (query.name !== undefined) {
      where.push("instr(lower(d.name), lower(@name)) > 0");
      params.name = query.name;
    }
    if (query.hardwareId !== undefined) {
      where.push("d.hardware_id = @hardwareId");
      params.hardwareId = query.hardwareId;
    }
    if (query.ids !== undefined) {
      where.push("d.id IN (SELECT value FROM json_each(@ids))");
      params.ids = JSON.stringify(query.ids);
    }
    if (query.applications !== undefined) {
      where.push(`EXISTS (SELECT 1 FROM services s WHERE s.device_id = d.id
        AND s.application IN (SELECT value FROM json_each(@applications)))`);
      params.applications = JSON.stringify(query.applications);
    }
    if (query.tags !== undefined) {
      const having = `(SELECT count(DISTINCT t.name) FROM device_tags t WHERE t.device_id = d.id
        AND t.name IN (SELECT value FROM json_each(@tags)))`;
      where.push(
        query.tags.operator === "ANY"
          ? `${having} > 0`
          : `${having} = (SELECT count(DISTINCT value) FROM json_each(@tags))`,
      );
      params.tags = JSON.stringify(query.tags.names);
    }
    if (query.state !== undefined) {
      where.push(`${STATE_OF_DEVICE} = @state`);
      params.state = query.state;
    }
    const filter = where.join(" AND ");
    const direction = query.sort.descending ? "DESC" : "ASC";
    const order = `${SORT_COLUMNS[query.sort.field]} ${direction}, d.id ${direction}`;
    // One read transaction, so that the total and the page agree.
    return this.db.transaction(() => {
      const total =
        this.db
          .prepare<[Record<string, unknown>], { n: number }>(
            `SELECT count(*) AS n FROM devices d WHERE ${filter}`,
          )
          .get(params)?.n ?? 0;
      const items = this.db
        .prepare<[Record<string, unknown>], DeviceRow>(
          `SELECT ${DEVICE_COLUMNS} FROM devices d WHERE ${filter}
           ORDER BY ${order} LIMIT @size OFFSET @from`,
        )
        .all(params);
      return { total, items };
    })();
  }

  async listServices(deviceId: string, applications?: readonly number[]): Promise<ServiceRow[]> {
    const services = this.servicesOfDevice.all(deviceId);
    return applications ? services.filter((s) => applications.includes(s.application)) : services;
  }

  async servicesOfUser(userId: string, ids: readonly string[]): Promise<ServiceRow[]> {
    return this.db
      .prepare<[string, string], ServiceRow>(
        `SELECT ${SERVICE_COLUMNS} FROM services s JOIN devices d ON d.id = s.device_id
         WHERE d.user_id = ? AND s.id IN (SELECT value FROM json_each(?)) ORDER BY s.name, s.id`,
      )
      .all(userId, JSON.stringify(ids));
  }

  async attach(deviceId: string, node: number): Promise<void> {
    guardWrite(() => this.attachStatement.run(node, deviceId));
  }

  async detach(deviceId: string, node: number): Promise<void> {
    guardWrite(() => this.detachStatement.run(deviceId, node));
  }

  async detachAll(node: number): Promise<void> {
    guardWrite(() => this.detachAllStatement.run(node));
  }

  async tagsOf(deviceId: string): Promise<string[]> {
    return this.tagsOfDevice.all(deviceId).map((row) => row.name);
  }

  private unusedAddress(): string {
    const taken = this.db.prepare<[string, string], { id: string }>(
      "SELECT id FROM devices WHERE id = ? UNION SELECT id FROM services WHERE id = ?",
    );
    for (;;) {
      const id = newServiceAddress();
      if (!taken.get(id, id)) return id;
    }
  }
}
