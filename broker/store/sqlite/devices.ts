// Devices and their services, as agents announce them, in SQLite.
import type { ServiceSpec } from "../../../common/tunnel/protocol.js";
import { newServiceAddress } from "../ids.js";
import type { DeviceRow, DeviceStore, OwnedService, Registration, ServiceRow } from "../store.js";
import type { Db } from "./open-database.js";
import { guardWrite } from "./storage-failure.js";

export class SqliteDeviceStore implements DeviceStore {
  private readonly serviceById;
  private readonly servicesOfDevice;

  constructor(private readonly db: Db) {
    this.serviceById = db.prepare<[string], OwnedService>(
      `SELECT s.id, s.device_id AS deviceId, s.name, s.application, s.port, s.host, d.user_id AS userId
       FROM services s JOIN devices d ON d.id = s.device_id WHERE s.id = ?`,
    );
    this.servicesOfDevice = db.prepare<[string], ServiceRow>(
      `SELECT id, device_id AS deviceId, name, application, port, host
       FROM services WHERE device_id = ? ORDER BY name`,
    );
  }

  async register(
    userId: string,
    hardwareId: string,
    name: string,
    services: ServiceSpec[],
  ): Promise<Registration> {
    const now = new Date().toISOString();
    return guardWrite(() => this.registerNow(userId, hardwareId, name, services, now));
  }

  private registerNow(
    userId: string,
    hardwareId: string,
    name: string,
    services: ServiceSpec[],
    now: string,
  ): Registration {
    return this.db.transaction(() => {
      let device = this.db
        .prepare<[string, string], DeviceRow>(
          `SELECT id, user_id AS userId, hardware_id AS hardwareId, name, created
           FROM devices WHERE user_id = ? AND hardware_id = ?`,
        )
        .get(userId, hardwareId);
      if (device) {
        this.db.prepare("UPDATE devices SET name = ? WHERE id = ?").run(name, device.id);
        device = { ...device, name };
      } else {
        device = { id: this.unusedAddress(), userId, hardwareId, name, created: now };
        this.db
          .prepare(
            "INSERT INTO devices (id, user_id, hardware_id, name, created) VALUES (?, ?, ?, ?, ?)",
          )
          .run(device.id, userId, hardwareId, name, now);
      }
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
    return this.db
      .prepare<[string], DeviceRow>(
        "SELECT id, user_id AS userId, hardware_id AS hardwareId, name, created FROM devices WHERE id = ?",
      )
      .get(deviceId);
  }

  async countDevices(userId: string): Promise<number> {
    return (
      this.db
        .prepare<[string], { n: number }>("SELECT count(*) AS n FROM devices WHERE user_id = ?")
        .get(userId)?.n ?? 0
    );
  }

  async listDevices(userId: string, size: number, from: number): Promise<DeviceRow[]> {
    return this.db
      .prepare<[string, number, number], DeviceRow>(
        `SELECT id, user_id AS userId, hardware_id AS hardwareId, name, created
         FROM devices WHERE user_id = ? ORDER BY created, id LIMIT ? OFFSET ?`,
      )
      .all(userId, size, from);
  }

  async listServices(deviceId: string): Promise<ServiceRow[]> {
    return this.servicesOfDevice.all(deviceId);
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
