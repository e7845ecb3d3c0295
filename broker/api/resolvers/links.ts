// Persistent public links: setConnectLink and friends, Service.link and login { links }.
import type { ConnectLinkView } from "../../links/link-manager.js";
import type { LinkArgs } from "../../links/link-settings.js";
import type { ServiceRow, User } from "../../store/store.js";
import type { ApiContext, ResolverDeps } from "./context.js";

type LinkType = "HTTPS" | "WSS";

/** Every Reach link is of type HTTPS (it carries WebSockets too); a filter without it finds none. */
function ofType(type: LinkType[] | null | undefined): boolean {
  return !type || type.includes("HTTPS");
}

export function linkResolvers({ links, devices, presence }: ResolverDeps) {
  return {
    Service: {
      link: ({ service }: { service: ServiceRow }, args: { type?: LinkType[] | null }) =>
        ofType(args.type) ? links.linkOf(service.id) : null,
    },
    User: {
      links: async (user: User, args: { type?: LinkType[] | null }) =>
        ofType(args.type) ? links.listOfUser(user.id) : [],
    },
    ConnectLink: {
      service: async (link: ConnectLinkView) => {
        const service = await devices.findService(link.serviceId);
        return service && { service, online: presence.isOnline(service.deviceNode) };
      },
    },
    Mutation: {
      setConnectLink: (_: unknown, args: LinkArgs, context: ApiContext) =>
        links.set(context.user.id, args),
      enableConnectLink: (_: unknown, args: LinkArgs, context: ApiContext) =>
        links.set(context.user.id, { ...args, enabled: true }),
      disableConnectLink: (_: unknown, args: { serviceId: string }, context: ApiContext) =>
        links.disable(context.user.id, args.serviceId),
      removeConnectLink: (_: unknown, args: { serviceId: string }, context: ApiContext) =>
        links.remove(context.user.id, args.serviceId),
    },
  };
}
