// Resolvers of the GraphQL API. Every one acts as the signed-in user and sees only what
// that user owns; anything else is NOT_FOUND, indistinguishable from absent.
import type { ProxyType } from "../../common/graphql/schema.js";
import { serviceTypeByApplication } from "../../common/service-types.js";
import type { ConnectionManager } from "../connections/connection-manager.js";
import type { PeerSessions } from "../p2p/peer-sessions.js";
import type { DeviceRow, DeviceStore, ServiceRow, User } from "../store/store.js";
import type { TunnelGateway } from "../tunnel/tunnel-gateway.js";
import { apiError } from "./api-error.js";

export interface ApiContext {
  user: User;
  /** The caller's address, canonical (IPv4-mapped IPv6 as IPv4). */
  clientIp: string;
}

export interface ResolverDeps {
  devices: DeviceStore;
  gateway: TunnelGateway;
  connections: ConnectionManager;
  peerSessions: PeerSessions;
}

const MAX_PAGE_SIZE = 1000;

function deviceState(gateway: TunnelGateway, deviceId: string): string {
  return gateway.isOnline(deviceId) ? "active" : "inactive";
}

export function createResolvers({ devices, gateway, connections, peerSessions }: ResolverDeps) {
  return {
    Query: {
      login: (_: unknown, __: unknown, context: ApiContext) => context.user,
      myIP: (_: unknown, __: unknown, context: ApiContext) => context.clientIp,
      peerSession: (_: unknown, args: { id: string }, context: ApiContext) =>
        peerSessions.find(context.user.id, args.id),
    },
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
      connections: (user: User) => connections.listActive(user.id),
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
    Mutation: {
      connect: (
        _: unknown,
        args: { serviceId: string; hostIP: string; type: ProxyType },
        context: ApiContext,
      ) => connections.connect(context.user.id, args.serviceId, args.hostIP, args.type),
      disconnect: (
        _: unknown,
        args: { serviceId?: string | null; connectionId: string },
        context: ApiContext,
      ) => connections.disconnect(context.user.id, args.connectionId, args.serviceId),
      openPeerSession: (
        _: unknown,
        args: { serviceId: string; offer?: string | null },
        context: ApiContext,
      ) => peerSessions.open(context.user.id, args.serviceId, args.offer ?? null),
      offerPeer: (_: unknown, args: { id: string; offer: string }, context: ApiContext) =>
        peerSessions.offer(context.user.id, args.id, args.offer),
      peerCandidates: (
        _: unknown,
        args: { id: string; mid: string; candidates: string[] },
        context: ApiContext,
      ) => peerSessions.candidates(context.user.id, args.id, args.mid, args.candidates),
      closePeerSession: (_: unknown, args: { id: string }, context: ApiContext) =>
        peerSessions.close(context.user.id, args.id),
    },
  };
}
