// Resolvers of the GraphQL API, one module per area of the schema (common/graphql/sdl/).
// Every one acts as the signed-in user and sees only what that user owns; anything else is
// NOT_FOUND, indistinguishable from absent. makeExecutableSchema merges the list.
import { applicationTypeResolvers } from "./application-types.js";
import { connectionResolvers } from "./connections.js";
import type { ApiContext, ResolverDeps } from "./context.js";
import { deviceResolvers } from "./devices.js";
import { eventResolvers } from "./events.js";
import { linkResolvers } from "./links.js";
import { peerSessionResolvers } from "./peer-sessions.js";
import { referenceResolvers } from "./references.js";
import { sessionResolvers } from "./sessions.js";

export type { ApiContext, ResolverDeps } from "./context.js";

export function createResolvers(deps: ResolverDeps) {
  return [
    {
      Query: {
        login: (_: unknown, __: unknown, context: ApiContext) => context.user,
        myIP: (_: unknown, __: unknown, context: ApiContext) => context.clientIp,
      },
    },
    deviceResolvers(deps),
    applicationTypeResolvers(),
    connectionResolvers(deps),
    peerSessionResolvers(deps),
    linkResolvers(deps),
    referenceResolvers(deps.devices),
    sessionResolvers(deps),
    eventResolvers(deps),
  ];
}
