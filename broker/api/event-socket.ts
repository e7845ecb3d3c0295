// The API over a WebSocket (graphql-ws's "graphql-transport-ws" protocol) at /graphql/v1,
// for the `event` subscription. The upgrade request is R3-signed like every other request
// (as an agent signs its control channel: GET, path, Host, Date); an unsigned or badly
// signed one is answered 401 before any WebSocket exists. Every operation then runs
// through yoga's envelop, so graphql-armor's token, depth, cost and alias limits and
// error masking apply exactly as they do to POSTs.
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { type ExecutionArgs, GraphQLError } from "graphql";
// graphql-ws names it useServer; it is no React hook, and the name says what it does here.
import { useServer as serveGraphqlWs } from "graphql-ws/use/ws";
import type { YogaServerInstance } from "graphql-yoga";
import { WebSocketServer } from "ws";
import { GRAPHQL_PATH } from "../../common/graphql/schema.js";
import { canonicalAddress } from "../../common/host-ip.js";
import { verifyR3 } from "../auth/verify-r3.js";
import type { User, UserStore } from "../store/store.js";
import { apiCodeOf, errorBody } from "./api-error.js";
import type { ApiContext } from "./resolvers/context.js";

/** Sockets one user may hold open at once (each may carry subscriptions, bounded apart). */
export const MAX_EVENT_SOCKETS_PER_USER = 10;

/** One message is one GraphQL document; the HTTP API's body limit is far more than enough. */
const MAX_MESSAGE_BYTES = 64 * 1024;

type GetEnveloped = YogaServerInstance<ApiContext, Record<string, unknown>>["getEnveloped"];
type Enveloped = ReturnType<GetEnveloped>;

export function createEventSocket(getEnveloped: GetEnveloped, users: UserStore) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const callers = new WeakMap<IncomingMessage, ApiContext>();
  const socketsOf = new Map<string, number>();

  serveGraphqlWs<Record<string, unknown> | undefined, { request: IncomingMessage }>(
    {
      onSubscribe: async (ctx, _id, payload) => {
        const caller = callers.get(ctx.extra.request);
        // Every socket's upgrade was verified; a missing caller would be a bug, refused.
        if (!caller)
          return [new GraphQLError("Not signed in.", { extensions: { code: "UNAUTHENTICATED" } })];
        const enveloped = getEnveloped({ request: ctx.extra.request, params: payload });
        let document: ExecutionArgs["document"];
        try {
          document = enveloped.parse(payload.query);
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length > 0) return errors;
        } catch (error) {
          // graphql-armor reports a limit by throwing from parse or validate.
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        return {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: { ...(await enveloped.contextFactory()), ...caller },
          rootValue: enveloped,
        };
      },
      // Refusals (limits, unknown fields) carry the API's codes, as they do over POST.
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) => ({
          message: error.message,
          extensions: { code: apiCodeOf(error.extensions?.code) },
        })),
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
    },
    wss,
  );

  const release = (user: User) => {
    const left = (socketsOf.get(user.id) ?? 1) - 1;
    if (left > 0) socketsOf.set(user.id, left);
    else socketsOf.delete(user.id);
  };

  const handleEventUpgrade = async (
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
  ): Promise<void> => {
    const auth = await verifyR3(users, {
      method: request.method ?? "GET",
      path: request.url ?? GRAPHQL_PATH,
      headers: request.headers,
    });
    if (!auth.ok) {
      refuse(socket, "401 Unauthorized", errorBody("UNAUTHENTICATED", auth.message, auth.reason));
      return;
    }
    const user = auth.user;
    const open = socketsOf.get(user.id) ?? 0;
    if (open >= MAX_EVENT_SOCKETS_PER_USER) {
      const message = `You already have ${MAX_EVENT_SOCKETS_PER_USER} event sockets open, the most allowed.`;
      refuse(socket, "429 Too Many Requests", errorBody("RESOURCE_EXHAUSTED", message));
      return;
    }
    // Counted before the handshake completes, so racing upgrades cannot pass the bound.
    socketsOf.set(user.id, open + 1);
    if (socket.destroyed) {
      release(user);
      return;
    }
    callers.set(request, {
      user,
      clientIp: canonicalAddress(request.socket.remoteAddress ?? ""),
      overWebSocket: true,
    });
    socket.once("close", () => release(user));
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
  };

  /**
   * Ends every open event socket. An upgraded socket no longer belongs to the HTTP server,
   * so the server's own close() would wait on it forever: the broker's shutdown calls this.
   */
  const close = () => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  };

  return Object.assign(handleEventUpgrade, { close });
}

/** A refused upgrade: an HTTP answer with the API's JSON error body, then the end. */
function refuse(socket: Socket, status: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
