// The one door to a service for connects and peer sessions: it must be the caller's
// (anything else is NOT_FOUND, indistinguishable from absent) and its device's agent must
// be connected (SERVICE_OFFLINE).
import { apiError, quoteId } from "../api/api-error.js";
import type { DeviceStore, OwnedService } from "../store/store.js";

export interface ServiceDoor {
  devices: DeviceStore;
  /** Whether the service can be reached from here now (its device's agent is attached). */
  isReachable(service: OwnedService): boolean;
}

/**
 * The caller's service, once its device is online. `checkRequest` refuses a request that
 * is wrong for this service; it runs before the online check, so such a request hears
 * what is wrong with it even while the device is away. Its result comes back as `checked`.
 */
export async function requireOnlineService<Checked = undefined>(
  { devices, isReachable }: ServiceDoor,
  userId: string,
  serviceId: string,
  checkRequest: (service: OwnedService) => Checked = () => undefined as Checked,
): Promise<{ service: OwnedService; checked: Checked }> {
  const service = await devices.findService(serviceId);
  if (!service || service.userId !== userId) {
    throw apiError("NOT_FOUND", `There is no service with id ${quoteId(serviceId)}.`);
  }
  const checked = checkRequest(service);
  if (!isReachable(service)) {
    throw apiError(
      "SERVICE_OFFLINE",
      "The device of this service is offline: its agent is not connected.",
    );
  }
  return { service, checked };
}
