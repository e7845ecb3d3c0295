// Devices and their services, as agents announce them, in PostgreSQL. Orders by byte
// (COLLATE "C") and lower() where SQLite uses BINARY and NOCASE, so that both stores list
// the same devices in the same order whatever the database's locale.
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
import type { PgDatabase, Queryable } from "./database.js";

const DEVICE_COLUMNS = `d.id, d.user_id AS "userId", d.hardware_id AS "hardwareId", d.name,
  d.created, d.last_reported AS "lastReported", d.attached_node AS node`;
const SERVICE_COLUMNS =
  's.id, s.device_id AS "deviceId", s.name, s.application, s.port, s.host, s.created';
const SERVICES_OF_DEVICE = `SELECT ${SERVICE_COLUMNS} FROM services s WHERE s.device_id = $1
  ORDER BY s.name COLLATE "C"`;
/** 'active' while a live node (one of `liveNodes`) holds the device's tunnel, as the API says. */
const stateOfDevice = (liveNodes: string) =>
  `CASE WHEN d.attached_node = ANY(${liveNodes}::int[]) THEN 'active' ELSE 'inactive' END`;
const SORT_COLUMNS: Record<Exclude<DeviceSortField, "state">, string> = {
  name: 'lower(d.name) COLLATE "C"',
  created: 'd.created COLLATE "C"',
  lastReported: 'd.last_reported COLLATE "C"',
};

export class PgDeviceStore implements DeviceStore {
  constructor(private readonly db: PgDatabase) {}

  async register(
    userId: string,
    hardwareId: string,
    name: string,
    services: ServiceSpec[],
    tags: readonly string[] = [],
  ): Promise<Registration> {
    const now = new Date().toISOString();
    return this.db.transaction(async (client) => {
      // Insert-or-update in one statement: the same hardware id keeps its device id even
      // when its agent registers on two nodes at once.
      const device = (
        await client.query<DeviceRow>(
          `INSERT INTO devices AS d (id, user_id, hardware_id, name, created, last_reported)
           VALUES ($1, $2, $3, $4, $5, $5)
           ON CONFLICT (user_id, hardware_id)
             DO UPDATE SET name = excluded.name, last_reported = excluded.last_reported
           RETURNING ${DEVICE_COLUMNS}`,
          [await unusedAddress(client), userId, hardwareId, name, now],
        )
      ).rows[0] as DeviceRow;
      await client.query("DELETE FROM device_tags WHERE device_id = $1", [device.id]);
      await client.query(
        `INSERT INTO device_tags (device_id, name) SELECT DISTINCT $1, unnest($2::text[])
         ON CONFLICT DO NOTHING`,
        [device.id, tags],
      );
      const removed = await client.query<{ id: string; name: string }>(
        `DELETE FROM services WHERE device_id = $1 AND NOT (name = ANY($2::text[]))
         RETURNING id, name`,
        [device.id, services.map((s) => s.name)],
      );
      for (const spec of services) {
        await client.query(
          `INSERT INTO services (id, device_id, name, application, port, host, created)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (device_id, name) DO UPDATE SET application = excluded.application,
             port = excluded.port, host = excluded.host`,
          [
            await unusedAddress(client),
            device.id,
            spec.name,
            spec.application,
            spec.port,
            spec.host,
            now,
          ],
        );
      }
      return {
        device,
        services: await servicesOf(client, device.id),
        // By name, as SQLite reports them.
        removedServiceIds: removed.rows
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
          .map((s) => s.id),
      };
    });
  }

  async reported(deviceId: string, at: string): Promise<void> {
    await this.db.query("UPDATE devices SET last_reported = $1 WHERE id = $2", [at, deviceId]);
  }

  async findService(serviceId: string): Promise<OwnedService | undefined> {
    const [row] = await this.db.query<OwnedService>(
      `SELECT ${SERVICE_COLUMNS}, d.user_id AS "userId", d.attached_node AS "deviceNode"
       FROM services s JOIN devices d ON d.id = s.device_id WHERE s.id = $1`,
      [serviceId],
      true,
    );
    return row;
  }

  async findDevice(deviceId: string): Promise<DeviceRow | undefined> {
    const [row] = await this.db.query<DeviceRow>(
      `SELECT ${DEVICE_COLUMNS} FROM devices d WHERE d.id = $1`,
      [deviceId],
    );
    return row;
  }

  async findDevices(
    userId: string,
    query: DeviceQuery,
  ): Promise<{ total: number; items: DeviceRow[] }> {
    // Numbered parameters, added as the filters need them: PostgreSQL refuses one that the
    // statement does not use (it cannot tell its type).
    const params: unknown[] = [userId];
    const where = ["d.user_id = $1"];
    const param = (value: unknown) => `$${params.push(value)}`;
    let liveNodes: string | undefined;
    const state = () => {
      if (liveNodes === undefined) liveNodes = param(query.liveNodes);
      return stateOfDevice(liveNodes);
    };
    if (query.name !== undefined) {
      where.push(`strpos(lower(d.name), lower(${param(query.name)})) > 0`);
    }
    if (query.hardwareId !== undefined) where.push(`d.hardware_id = ${param(query.hardwareId)}`);
    if (query.ids !== undefined) where.push(`d.id = ANY(${param(query.ids)}::text[])`);
    if (query.applications !== undefined) {
      where.push(`EXISTS (SELECT 1 FROM services s WHERE s.device_id = d.id
        AND s.application = ANY(${param(query.applications)}::int[]))`);
    }
    if (query.tags !== undefined) {
      const names = param(query.tags.names);
      const matched = `(SELECT count(DISTINCT t.name) FROM device_tags t WHERE t.device_id = d.id
        AND t.name = ANY(${names}::text[]))`;
      where.push(
        query.tags.operator === "ANY"
          ? `${matched} > 0`
          : `${matched} = (SELECT count(DISTINCT n) FROM unnest(${names}::text[]) n)`,
      );
    }
    if (query.state !== undefined) where.push(`${state()} = ${param(query.state)}`);
    const filter = where.join(" AND ");
    const countParams = params.slice();
    const direction = query.sort.descending ? "DESC" : "ASC";
    const field = query.sort.field;
    const sortBy = field === "state" ? state() : SORT_COLUMNS[field];
    const order = `${sortBy} ${direction}, d.id COLLATE "C" ${direction}`;
    const size = param(query.size);
    const from = param(query.from);
    // One snapshot, so that the total and the page agree.
    return this.db.transaction(async (client) => {
      const counted = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM devices d WHERE ${filter}`,
        countParams,
      );
      const items = await client.query<DeviceRow>(
        `SELECT ${DEVICE_COLUMNS} FROM devices d WHERE ${filter}
         ORDER BY ${order} LIMIT ${size} OFFSET ${from}`,
        params,
      );
      return { total: counted.rows[0]?.n ?? 0, items: items.rows };
    }, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }

  async listServices(deviceId: string, applications?: readonly number[]): Promise<ServiceRow[]> {
    const services = await this.db.query<ServiceRow>(SERVICES_OF_DEVICE, [deviceId]);
    return applications ? services.filter((s) => applications.includes(s.application)) : services;
  }

  async servicesOfUser(userId: string, ids: readonly string[]): Promise<ServiceRow[]> {
    return this.db.query<ServiceRow>(
      `SELECT ${SERVICE_COLUMNS} FROM services s JOIN devices d ON d.id = s.device_id
       WHERE d.user_id = $1 AND s.id = ANY($2::text[]) ORDER BY s.name COLLATE "C", s.id COLLATE "C"`,
      [userId, ids],
    );
  }

  async attach(deviceId: string, node: number): Promise<void> {
    await this.db.query("UPDATE devices SET attached_node = $1 WHERE id = $2", [node, deviceId]);
  }

  async detach(deviceId: string, node: number): Promise<void> {
    // Only if still to `node`: the device may have reattached elsewhere meanwhile.
    await this.db.query(
      "UPDATE devices SET attached_node = NULL WHERE id = $1 AND attached_node = $2",
      [deviceId, node],
    );
  }

  async detachAll(node: number): Promise<void> {
    await this.db.query("UPDATE devices SET attached_node = NULL WHERE attached_node = $1", [node]);
  }

  async tagsOf(deviceId: string): Promise<string[]> {
    const rows = await this.db.query<{ name: string }>(
      `SELECT name FROM device_tags WHERE device_id = $1 ORDER BY name COLLATE "C"`,
      [deviceId],
    );
    return rows.map((row) => row.name);
  }
}

async function servicesOf(client: Queryable, deviceId: string): Promise<ServiceRow[]> {
  return (await client.query<ServiceRow>(SERVICES_OF_DEVICE, [deviceId])).rows;
}

/** A random address no device or service has (ids are 40 random bits: a clash is rare). */
async function unusedAddress(client: Queryable): Promise<string> {
  for (;;) {
    const id = newServiceAddress();
    const { rows } = await client.query(
      "SELECT 1 FROM devices WHERE id = $1 UNION ALL SELECT 1 FROM services WHERE id = $1",
      [id],
    );
    if (rows.length === 0) return id;
  }
}
