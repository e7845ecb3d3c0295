// connect, disconnect and login { connections }: the caller's proxy connections.
import type { ProxyType } from "../../../common/graphql/schema.js";
import { LATCHING_HOST_IP } from "../../../common/host-ip.js";
import type { User } from "../../store/store.js";
import type { ApiContext, ResolverDeps } from "./context.js";

export function connectionResolvers({ connections }: ResolverDeps) {
  return {
    User: {
      connections: (user: User) => connections.listActive(user.id),
    },
    Mutation: {
      connect: (
        _: unknown,
        args: { serviceId: string; hostIP?: string | null; type?: ProxyType | null },
        context: ApiContext,
      ) =>
        connections.connect(
          context.user.id,
          args.serviceId,
          args.hostIP ?? LATCHING_HOST_IP,
          args.type ?? "AUTO_PROXY",
        ),
      disconnect: (
        _: unknown,
        args: { serviceId?: string | null; connectionId: string },
        context: ApiContext,
      ) => connections.disconnect(context.user.id, args.connectionId, args.serviceId),
    },
  };
}
