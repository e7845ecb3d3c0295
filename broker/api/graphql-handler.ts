// The GraphQL endpoint: size limit, R3 authentication, then graphql-yoga with
// graphql-armor's depth, cost, alias and token limits.
import type { IncomingMessage, ServerResponse } from "node:http";
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { createSchema, createYoga } from "graphql-yoga";
import { GRAPHQL_PATH, typeDefs } from "../../common/graphql/schema.js";
import { canonicalAddress } from "../../common/host-ip.js";
import { verifyR3 } from "../auth/verify-r3.js";
import type { UserStore } from "../store/users.js";
import { errorBody } from "./api-error.js";
import { type ApiContext, createResolvers, type ResolverDeps } from "./resolvers.js";

export const MAX_BODY_BYTES = 1024 * 1024;

export function createGraphqlHandler(deps: ResolverDeps & { users: UserStore }) {
  const yoga = createYoga<ApiContext>({
    schema: createSchema<ApiContext>({ typeDefs, resolvers: createResolvers(deps) }),
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: false,
    landingPage: false,
    batching: false,
    logging: false,
    maskedErrors: true,
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: 8 },
        costLimit: { maxCost: 5000 },
        maxAliases: { n: 10 },
        maxDirectives: { n: 10 },
        maxTokens: { n: 1000 },
        blockFieldSuggestion: { enabled: true },
      }),
    ],
  });

  return async function handleGraphql(request: IncomingMessage, response: ServerResponse) {
    const refuse = (
      status: number,
      code: "UNAUTHENTICATED" | "BAD_USER_INPUT",
      message: string,
    ) => {
      response
        .writeHead(status, { "content-type": "application/json" })
        .end(errorBody(code, message));
    };
    if (request.method !== "POST") {
      refuse(405, "BAD_USER_INPUT", "Send GraphQL requests with POST.");
      return;
    }
    const declared = Number(request.headers["content-length"] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      refuse(413, "BAD_USER_INPUT", "The request body is larger than 1 MiB.");
      request.resume();
      return;
    }
    const auth = verifyR3(deps.users, {
      method: request.method,
      path: request.url ?? GRAPHQL_PATH,
      headers: request.headers,
    });
    if (!auth.ok) {
      refuse(401, "UNAUTHENTICATED", auth.message);
      request.resume();
      return;
    }
    const body = await readBody(request, MAX_BODY_BYTES);
    if (body === null) {
      refuse(413, "BAD_USER_INPUT", "The request body is larger than 1 MiB.");
      return;
    }
    const reply = await yoga.fetch(
      `http://broker${GRAPHQL_PATH}`,
      {
        method: "POST",
        headers: { "content-type": request.headers["content-type"] ?? "application/json" },
        body: body.toString("utf8"),
      },
      { user: auth.user, clientIp: canonicalAddress(request.socket.remoteAddress ?? "") },
    );
    const text = await reply.text();
    response
      .writeHead(reply.status, { "content-type": "application/json; charset=utf-8" })
      .end(text.includes('"errors"') ? withApiCodes(text) : text);
  };
}

const API_CODES = new Set<string>([
  "UNAUTHENTICATED",
  "NOT_FOUND",
  "BAD_USER_INPUT",
  "SERVICE_OFFLINE",
  "RESOURCE_EXHAUSTED",
  "INTERNAL_SERVER_ERROR",
]);

interface ErrorEntry {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * Gives every error one of the API's codes. Yoga and graphql-armor report client
 * mistakes (bad JSON, unknown fields, limits) as BAD_REQUEST, GRAPHQL_VALIDATION_FAILED
 * or with no code at all; clients should see one code for "your request is wrong".
 * Parser internals (originalError) are not passed on.
 */
function withApiCodes(text: string): string {
  const payload = JSON.parse(text) as { errors?: ErrorEntry[] };
  for (const error of payload.errors ?? []) {
    const code = error.extensions?.code;
    error.extensions = { code: code && API_CODES.has(code) ? code : "BAD_USER_INPUT" };
  }
  return JSON.stringify(payload);
}

/** The whole body, or null once it passes the limit (chunked bodies have no length). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners("data");
        request.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}
