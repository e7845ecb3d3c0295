// login { devices(…), device(id:), service(id:), account(…) }: the caller's devices and
// their services, filtered and paged as remote.it's API does it.
import { serviceTypeByApplication } from "../../../common/service-types.js";
import type { DeviceRow, ServiceRow, User } from "../../store/store.js";
import { apiError } from "../api-error.js";
import type { ApiContext, ResolverDeps } from "./context.js";
import { type DevicesArguments, MAX_PAGE_SIZE, parseDevicesArguments } from "./device-query.js";

/** A Service's resolver parent: the row, and whether its device's agent is connected. */
interface ServiceParent {
  service: ServiceRow;
  online: boolean;
}

const NO_DEVICES = { total: 0, hasMore: false, items: [] };

export function deviceResolvers({ devices, gateway }: ResolverDeps) {
  const withState = (service: ServiceRow): ServiceParent => ({
    service,
    online: gateway.isOnline(service.deviceId),
  });

  return {
    User: {
      account: (user: User, args: { id?: string | null; email?: string | null }) => {
        const idMatches = args.id == null || args.id === user.id;
        const emailMatches =
          args.email == null || args.email.toLowerCase() === user.email.toLowerCase();
        if (idMatches && emailMatches) return user;
        throw apiError("NOT_FOUND", "No such account.");
      },
      devices: async (user: User, args: DevicesArguments) => {
        const query = parseDevicesArguments(args);
        // Every device a caller sees is their own today (no sharing yet).
        if (args.owner === false) return NO_DEVICES;
        const { total, items } = await devices.findDevices(user.id, {
          ...query,
          // lead: the live nodes (cluster/presence.ts); config is not at hand here, and no
          // node attaches devices yet (DeviceStore.attach), so the state filter finds none.
          liveNodes: [],
        });
        return { total, hasMore: query.from + items.length < total, items };
      },
      device: async (user: User, args: { id: string[] }) => {
        if (args.id.length === 0) return [];
        const { items } = await devices.findDevices(user.id, {
          ids: args.id,
          size: Math.min(args.id.length, MAX_PAGE_SIZE),
          from: 0,
          sort: { field: "name", descending: false },
          liveNodes: [],
        });
        return items;
      },
      service: async (user: User, args: { id: string[] }) =>
        (await devices.servicesOfUser(user.id, args.id)).map(withState),
    },
    Device: {
      state: (device: DeviceRow) => (gateway.isOnline(device.id) ? "active" : "inactive"),
      online: (device: DeviceRow) => gateway.isOnline(device.id),
      enabled: () => true,
      tags: async (device: DeviceRow) =>
        (await devices.tagsOf(device.id)).map((name) => ({ name })),
      services: async (device: DeviceRow, args: { application?: number[] | null }) =>
        (await devices.listServices(device.id, args.application ?? undefined)).map(withState),
    },
    Service: {
      id: ({ service }: ServiceParent) => service.id,
      name: ({ service }: ServiceParent) => service.name,
      type: ({ service }: ServiceParent) => String(service.application),
      title: ({ service }: ServiceParent) =>
        serviceTypeByApplication(service.application)?.name ?? "TCP",
      application: ({ service }: ServiceParent) => service.application,
      port: ({ service }: ServiceParent) => service.port,
      host: ({ service }: ServiceParent) => service.host,
      created: ({ service }: ServiceParent) => service.created,
      // A service reports through its device's agent, so it has the device's lastReported.
      lastReported: async ({ service }: ServiceParent, _: unknown, context: ApiContext) => {
        const { items } = await devices.findDevices(context.user.id, {
          ids: [service.deviceId],
          size: 1,
          from: 0,
          sort: { field: "name", descending: false },
          liveNodes: [],
        });
        return items[0]?.lastReported ?? null;
      },
      state: ({ online }: ServiceParent) => (online ? "active" : "inactive"),
      online: ({ online }: ServiceParent) => online,
      enabled: () => true,
    },
  };
}
