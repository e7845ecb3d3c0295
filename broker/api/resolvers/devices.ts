// login { devices … }: the caller's devices and their services, paged.
import { serviceTypeByApplication } from "../../../common/service-types.js";
import type { DeviceRow, ServiceRow, User } from "../../store/store.js";
import type { TunnelGateway } from "../../tunnel/tunnel-gateway.js";
import { apiError } from "../api-error.js";
import type { ResolverDeps } from "./context.js";

const MAX_PAGE_SIZE = 1000;

function deviceState(gateway: TunnelGateway, deviceId: string): string {
  return gateway.isOnline(deviceId) ? "active" : "inactive";
}

export function deviceResolvers({ devices, gateway }: ResolverDeps) {
  return {
    User: {
      devices: async (user: User, args: { size: number; from: number }) => {
        if (!Number.isInteger(args.size) || args.size < 1 || args.size > MAX_PAGE_SIZE) {
          throw apiError("BAD_USER_INPUT", `size must be between 1 and ${MAX_PAGE_SIZE}.`);
        }
        if (!Number.isInteger(args.from) || args.from < 0) {
          throw apiError("BAD_USER_INPUT", "from must be 0 or more.");
        }
        const total = await devices.countDevices(user.id);
        const items = await devices.listDevices(user.id, args.size, args.from);
        return { total, hasMore: args.from + items.length < total, items };
      },
    },
    Device: {
      state: (device: DeviceRow) => deviceState(gateway, device.id),
      services: async (device: DeviceRow) =>
        (await devices.listServices(device.id)).map((service) => ({
          service,
          online: gateway.isOnline(device.id),
        })),
    },
    Service: {
      id: ({ service }: { service: ServiceRow }) => service.id,
      name: ({ service }: { service: ServiceRow }) => service.name,
      type: ({ service }: { service: ServiceRow }) =>
        serviceTypeByApplication(service.application)?.name ?? "TCP",
      application: ({ service }: { service: ServiceRow }) => service.application,
      port: ({ service }: { service: ServiceRow }) => service.port,
      host: ({ service }: { service: ServiceRow }) => service.host,
      state: ({ online }: { online: boolean }) => (online ? "active" : "inactive"),
    },
  };
}
