// Reach extension: on-demand paths (openPeerSession, offerPeer, peerCandidates …).
import type { ApiContext, ResolverDeps } from "./context.js";

export function peerSessionResolvers({ peerSessions }: ResolverDeps) {
  return {
    Query: {
      peerSession: (_: unknown, args: { id: string }, context: ApiContext) =>
        peerSessions.find(context.user.id, args.id),
    },
    Mutation: {
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
