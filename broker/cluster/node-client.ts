// The asking end of the node protocol (node-protocol.ts): one POST to another node,
// over kept-alive connections, with a bounded wait. Replies are checked against the
// operation's schema like any other input.
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import {
  CLUSTER_OPERATIONS,
  CLUSTER_PATH_PREFIX,
  CLUSTER_SECRET_HEADER,
  type ClusterOperation,
  type ClusterReply,
  type ClusterRequest,
  MAX_CLUSTER_BODY,
} from "./node-protocol.js";

/** Nodes answer at once (a dial is sent, not waited for); a node this slow is as good as gone. */
const REQUEST_TIMEOUT_MS = 3_000;

export class NodeClient {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 32 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 32 });

  constructor(private readonly secret: () => string) {}

  /** Sends `operation` to the node at `url`; rejects when it cannot be asked or answers wrong. */
  ask<O extends ClusterOperation>(
    url: string,
    operation: O,
    body: ClusterRequest<O>,
  ): Promise<ClusterReply<O>> {
    const target = new URL(`${CLUSTER_PATH_PREFIX}${operation}`, url);
    const secure = target.protocol === "https:";
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)(target, {
        method: "POST",
        agent: secure ? this.https : this.http,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
          [CLUSTER_SECRET_HEADER]: this.secret(),
        },
      });
      request.on("timeout", () => request.destroy(new Error(`node ${url} did not answer in time`)));
      request.on("error", reject);
      request.on("response", (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_CLUSTER_BODY) request.destroy(new Error(`node ${url} answered too much`));
          else chunks.push(chunk);
        });
        response.on("error", reject);
        response.on("end", () => {
          if (response.statusCode !== 200) {
            reject(new Error(`node ${url} refused ${operation} (HTTP ${response.statusCode})`));
            return;
          }
          try {
            const parsed = CLUSTER_OPERATIONS[operation].reply.parse(
              JSON.parse(Buffer.concat(chunks).toString("utf8")),
            );
            resolve(parsed as ClusterReply<O>);
          } catch (error) {
            reject(error);
          }
        });
      });
      request.end(payload);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
