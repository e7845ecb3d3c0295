// The GraphQL endpoint: size limit, R3 authentication, then graphql-yoga with
// graphql-armor's depth, cost, alias and token limits; WebSocket upgrades of the same path
// carry subscriptions (event-socket.ts).
import type { IncomingMessage, ServerResponse } from "node:http";
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { GraphQLError } from "graphql";
import { createSchema, createYoga, maskError } from "graphql-yoga";
import type { AuthRefusal } from "../../common/graphql/auth-refusals.js";
import { GRAPHQL_PATH, typeDefs } from "../../common/graphql/schema.js";
import { canonicalAddress } from "../../common/host-ip.js";
import { checkBodyDigest, verifyR3 } from "../auth/verify-r3.js";
import { readBody } from "../read-body.js";
import { storeUnavailable } from "../store/storage-error.js";
import { StoreUnreachable, type UserStore } from "../store/store.js";
import { apiCodeOf, errorBody } from "./api-error.js";
import { createEventSocket } from "./event-socket.js";
import { type ApiContext, createResolvers, type ResolverDeps } from "./resolvers/index.js";

export const MAX_BODY_BYTES = 1024 * 1024;

export function createGraphqlHandler(deps: ResolverDeps & { users: UserStore }) {
  const yoga = createYoga<ApiContext>({
    schema: createSchema<ApiContext>({ typeDefs, resolvers: createResolvers(deps) }),
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: false,
    landingPage: false,
    batching: false,
    logging: false,
    // Any resolver whose store is unreachable says so (SERVICE_UNAVAILABLE, retry), rather
    // than a masked "Unexpected error"; everything else unexpected stays masked.
    maskedErrors: {
      maskError: (error, message, isDev) =>
        unreachableStore(error)
          ? storeUnavailable("nothing was done")
          : maskError(error, message, isDev),
    },
    plugins: [
      EnvelopArmorPlugin({
        // Introspection is held to the same limits: by default armor lets any __schema
        // query through its depth and cost limits, however deeply it nests.
        maxDepth: { n: 8, ignoreIntrospection: false },
        costLimit: { maxCost: 5000, ignoreIntrospection: false },
        maxAliases: { n: 10 },
        maxDirectives: { n: 10 },
        maxTokens: { n: 1000 },
        blockFieldSuggestion: { enabled: true },
      }),
    ],
  });

  const handleGraphql = async (request: IncomingMessage, response: ServerResponse) => {
    /** Answers before GraphQL runs; a body still on its way is drained, within bounds. */
    const refuse = (status: number, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { "content-type": "application/json", ...headers }).end(body);
      discardBody(request);
    };
    const unauthenticated = (refusal: AuthRefusal) =>
      refuse(401, errorBody("UNAUTHENTICATED", refusal.message, refusal.reason));
    if (request.method !== "POST") {
      refuse(405, errorBody("BAD_USER_INPUT", "Send GraphQL requests with POST."), {
        allow: "POST",
      });
      return;
    }
    const declared = Number(request.headers["content-length"] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      refuse(413, errorBody("BAD_USER_INPUT", "The request body is larger than 1 MiB."));
      return;
    }
    let auth: Awaited<ReturnType<typeof verifyR3>>;
    try {
      auth = await verifyR3(deps.users, {
        method: request.method,
        path: request.url ?? GRAPHQL_PATH,
        headers: request.headers,
      });
    } catch (error) {
      if (!unreachableStore(error)) throw error;
      // Keys live in the store: with it away no request can be checked, so none is run.
      refuse(503, storeUnavailableBody(), { "retry-after": "2" });
      return;
    }
    if (!auth.ok) {
      unauthenticated(auth);
      return;
    }
    // JSON only: yoga would also parse form posts, multipart uploads and raw GraphQL, which
    // no client of this API sends, and answer other types with an empty 415.
    const contentType = request.headers["content-type"] ?? "application/json";
    if (!/^application\/json\s*(;|$)/i.test(contentType)) {
      refuse(
        415,
        errorBody("BAD_USER_INPUT", "Send GraphQL requests as Content-Type: application/json."),
      );
      return;
    }
    const body = await readBody(request, MAX_BODY_BYTES);
    if (body === null) {
      refuse(413, errorBody("BAD_USER_INPUT", "The request body is larger than 1 MiB."));
      return;
    }
    const digestProblem = checkBodyDigest(auth.digest, body);
    if (digestProblem) {
      unauthenticated(digestProblem);
      return;
    }
    const reply = await yoga.fetch(
      `http://broker${GRAPHQL_PATH}`,
      {
        method: "POST",
        headers: { "content-type": contentType },
        body: body.toString("utf8"),
      },
      { user: auth.user, clientIp: canonicalAddress(request.socket.remoteAddress ?? "") },
    );
    const answer = withApiCodes(reply.status, await reply.text());
    response
      .writeHead(answer.status, { "content-type": "application/json; charset=utf-8" })
      .end(answer.text);
  };
  // WebSocket upgrades at the same path: graphql-ws subscriptions (event-socket.ts).
  const upgrade = createEventSocket(yoga.getEnveloped, deps.users);
  return Object.assign(handleGraphql, { upgrade });
}

export type GraphqlHandler = ReturnType<typeof createGraphqlHandler>;

interface ErrorEntry {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * Gives every error one of the API's codes, and every refusal a JSON body and a 4xx status.
 * Yoga and graphql-armor report client mistakes (bad JSON, unknown fields, limits) as
 * BAD_REQUEST, GRAPHQL_VALIDATION_FAILED or with no code at all; clients should see one
 * code for "your request is wrong". A reply with errors and no `data` is a request error
 * (nothing ran): yoga answers some with 400 and others (validation, armor's limits) with
 * 200; all get 400 here. Parser internals (originalError) are not passed on.
 */
function withApiCodes(status: number, text: string): { status: number; text: string } {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: answered below with a sentence.
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    if (status < 400) return { status, text };
    const code = status >= 500 ? "INTERNAL_SERVER_ERROR" : "BAD_USER_INPUT";
    const message = status >= 500 ? "The broker failed." : "The request could not be read.";
    return { status, text: JSON.stringify({ errors: [{ message, extensions: { code } }] }) };
  }
  const payload = parsed as { data?: unknown; errors?: ErrorEntry[] };
  if (!payload.errors) return { status, text };
  for (const error of payload.errors) {
    error.extensions = { code: apiCodeOf(error.extensions?.code) };
  }
  const requestError = !("data" in payload) && status < 400;
  return { status: requestError ? 400 : status, text: JSON.stringify(payload) };
}

/**
 * After a refusal, how much more of the body is read and thrown away, and for how long:
 * enough for an honest client that sent a little too much to read the answer and keep its
 * connection, not enough for a client to keep the broker reading an endless (or endlessly
 * slow) upload it has already refused. Past that the broker stops reading (the client's
 * writes stall) and closes the connection LINGER_MS later. Closing at once, or even
 * half-closing, with the upload still coming resets the connection, and the client can
 * lose the answer before it reads it.
 */
const DISCARD_BYTES = 1024 * 1024;
const DISCARD_MS = 5000;
const LINGER_MS = 2000;

function discardBody(request: IncomingMessage): void {
  if (request.readableEnded) return;
  const socket = request.socket;
  let left = DISCARD_BYTES;
  const onData = (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) stop();
  };
  const stop = () => {
    clearTimeout(timer);
    request.off("data", onData);
    request.pause();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  const timer = setTimeout(stop, DISCARD_MS);
  timer.unref();
  request.on("data", onData);
  request.once("end", () => clearTimeout(timer));
  request.once("close", () => clearTimeout(timer));
  request.resume();
}

function storeUnavailableBody(): string {
  const { message } = storeUnavailable("the request was not checked and nothing was done");
  return errorBody("SERVICE_UNAVAILABLE", message);
}

/** Whether a resolver failed because the store could not be reached. */
function unreachableStore(error: unknown): boolean {
  const original = error instanceof GraphQLError ? error.originalError : error;
  return original instanceof StoreUnreachable;
}
