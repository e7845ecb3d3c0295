// ServiceReference and UserReference, remote.it's small handles on a service (or a device)
// and a user that sessions and events point at. A reference carries ids; the device behind
// one is read from the store only when a query asks for it.
import { serviceTypeByApplication } from "../../../common/service-types.js";
import type { DeviceStore, ServiceRow, User } from "../../store/store.js";
import type { ApiContext } from "./context.js";

/** A service, or a device standing in as its own reference (device events). */
export interface ServiceRef {
  id: string;
  deviceId: string;
  /** Absent for a device: read from the store when asked for. */
  service?: ServiceRow;
}

export function serviceRef(service: ServiceRow): ServiceRef {
  return { id: service.id, deviceId: service.deviceId, service };
}

export function deviceRef(deviceId: string): ServiceRef {
  return { id: deviceId, deviceId };
}

/** The references handed out are always the caller's own things, so the owner is the caller. */
export function userRef(user: User): { id: string; email: string } {
  return { id: user.id, email: user.email };
}

export function referenceResolvers(devices: DeviceStore) {
  const typeName = (ref: ServiceRef) =>
    ref.service ? (serviceTypeByApplication(ref.service.application)?.name ?? "TCP") : null;
  return {
    ServiceReference: {
      name: async (ref: ServiceRef) =>
        ref.service?.name ?? (await devices.findDevice(ref.deviceId))?.name ?? null,
      port: (ref: ServiceRef) => ref.service?.port ?? null,
      application: (ref: ServiceRef) => ref.service?.application ?? null,
      type: typeName,
      title: typeName,
      protocol: (ref: ServiceRef) => (ref.service ? "TCP" : null),
      owner: (_: ServiceRef, __: unknown, context: ApiContext) => userRef(context.user),
      device: (ref: ServiceRef) => devices.findDevice(ref.deviceId).then((d) => d ?? null),
    },
  };
}
