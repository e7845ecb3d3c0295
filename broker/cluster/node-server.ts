// The answering end of the node protocol (node-protocol.ts): checks the cluster secret and
// the body, then hands the request to this node's handler for the operation.
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../read-body.js";
import {
  CLUSTER_OPERATIONS,
  CLUSTER_PATH_PREFIX,
  CLUSTER_SECRET_HEADER,
  type ClusterOperation,
  type ClusterReply,
  type ClusterRequest,
  isClusterOperation,
  MAX_CLUSTER_BODY,
  secretMatches,
} from "./node-protocol.js";

export type ClusterHandlers = {
  [O in ClusterOperation]: (request: ClusterRequest<O>) => Promise<ClusterReply<O>>;
};

export function isClusterPath(path: string): boolean {
  return path.startsWith(CLUSTER_PATH_PREFIX);
}

export async function handleClusterRequest(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  secret: string | null,
  handlers: ClusterHandlers,
): Promise<void> {
  const operation = path.slice(CLUSTER_PATH_PREFIX.length);
  const presented = request.headers[CLUSTER_SECRET_HEADER];
  // Without a secret (its store never answered) this node answers no other.
  if (secret === null || !secretMatches(typeof presented === "string" ? presented : "", secret)) {
    request.resume();
    response.writeHead(401, { "content-length": 0 }).end();
    return;
  }
  if (request.method !== "POST" || !isClusterOperation(operation)) {
    request.resume();
    response.writeHead(404, { "content-length": 0 }).end();
    return;
  }
  const body = await readJsonBody(request);
  const parsed = body === null ? null : CLUSTER_OPERATIONS[operation].request.safeParse(body);
  if (!parsed?.success) {
    response.writeHead(400, { "content-length": 0 }).end();
    return;
  }
  const handler = handlers[operation] as (input: unknown) => Promise<unknown>;
  const reply = JSON.stringify(await handler(parsed.data));
  response
    .writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(reply),
    })
    .end(reply);
}

/** The JSON body, or null when it is too large (the request is then dropped) or not JSON. */
async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const body = await readBody(request, MAX_CLUSTER_BODY).catch(() => null);
  if (body === null) {
    request.destroy();
    return null;
  }
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
}
