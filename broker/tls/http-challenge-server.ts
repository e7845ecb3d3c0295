// The plain HTTP listener beside the TLS one (--http-listen, usually port 80): it answers
// ACME HTTP-01 challenges (/.well-known/acme-challenge/<token>) for orders in flight and
// sends every other request to the same URL over https with a 308, which keeps the method
// and body. It never serves the API or a tunnel in the clear.
import { createServer, type Server } from "node:http";
import { isIP } from "node:net";
import { messageOf } from "../../common/result.js";

const CHALLENGE_PREFIX = "/.well-known/acme-challenge/";

/** The key authorizations of the HTTP-01 challenges pending now, by token. */
export class HttpChallenges {
  private readonly answers = new Map<string, string>();

  set(token: string, keyAuthorization: string): void {
    this.answers.set(token, keyAuthorization);
  }

  delete(token: string): void {
    this.answers.delete(token);
  }

  answer(token: string): string | undefined {
    return this.answers.get(token);
  }
}

export function createHttpChallengeServer(
  challenges: HttpChallenges,
  httpsPort: () => number,
): Server {
  const server = createServer({ headersTimeout: 20_000, requestTimeout: 30_000 });
  server.on("request", (request, response) => {
    const url = request.url ?? "";
    if (url.startsWith(CHALLENGE_PREFIX)) {
      const answer = challenges.answer(url.slice(CHALLENGE_PREFIX.length));
      if (answer === undefined) response.writeHead(404, { "content-length": 0 }).end();
      else response.writeHead(200, { "content-type": "text/plain" }).end(answer);
      return;
    }
    const host = redirectHost(request.headers.host);
    if (host === null || !url.startsWith("/")) {
      response.writeHead(400, { connection: "close", "content-length": 0 }).end();
      return;
    }
    const port = httpsPort();
    const location = `https://${host}${port === 443 ? "" : `:${port}`}${url}`;
    response.writeHead(308, { location, "content-length": 0 }).end();
  });
  server.on("clientError", (_error, socket) => socket.destroy());
  return server;
}

/** The Host header's name without its port, if it is a DNS name or an IP address. */
function redirectHost(header: string | undefined): string | null {
  const value = (header ?? "").toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d+)?$/.exec(value);
  if (bracketed?.[1] && isIP(bracketed[1]) === 6) return `[${bracketed[1]}]`;
  const name = /^([a-z0-9.-]+)(?::\d+)?$/.exec(value)?.[1];
  return name ?? null;
}

export async function listenForHttp(server: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      `Cannot listen for plain HTTP on ${host}:${port} (--http-listen): ${error.code === "EADDRINUSE" ? "the port is in use" : (error.code ?? messageOf(error))}.`,
    );
  });
}
