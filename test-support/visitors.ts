// Visitors: TCP clients bound to chosen loopback addresses (127.0.0.2, 127.0.0.3 …) so
// one machine can act as several distinct clients.
import { createHash, randomBytes } from "node:crypto";
import { request } from "node:http";
import { connect, type Socket } from "node:net";

export function connectFrom(
  port: number,
  localAddress: string,
  host = "127.0.0.1",
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, localAddress, allowHalfOpen: true });
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Sends payload, half-closes, and returns every byte that came back before the end. */
export async function echoThrough(
  port: number,
  localAddress: string,
  payload: Buffer,
  host = "127.0.0.1",
): Promise<Buffer> {
  const socket = await connectFrom(port, localAddress, host);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => {
      socket.end();
      resolve(Buffer.concat(chunks));
    });
    socket.on("error", reject);
    socket.end(payload);
  });
}

/**
 * What happens to a visitor: "echoed" if a probe byte comes back, "closed" if the
 * proxy closes or resets it first.
 */
export async function probe(
  port: number,
  localAddress: string,
  host = "127.0.0.1",
): Promise<"echoed" | "closed"> {
  let socket: Socket;
  try {
    socket = await connectFrom(port, localAddress, host);
  } catch {
    return "closed";
  }
  return new Promise((resolve) => {
    socket.once("data", () => {
      socket.destroy();
      resolve("echoed");
    });
    const refused = () => {
      socket.destroy();
      resolve("closed");
    };
    socket.once("end", refused);
    socket.once("close", refused);
    socket.on("error", () => {});
    socket.write("?");
  });
}

/**
 * Resolves when the far side closes the socket (FIN or reset), with how long it took.
 * Keeps reading meanwhile, so unread data cannot hold the close back.
 */
export function closed(socket: Socket): Promise<number> {
  const start = Date.now();
  return new Promise((resolve) => {
    const done = () => {
      socket.destroy();
      resolve(Date.now() - start);
    };
    if (socket.destroyed || socket.readableEnded) done();
    socket.on("error", () => {});
    socket.on("data", () => {});
    socket.once("end", done);
    socket.once("close", done);
  });
}

export function randomPayload(bytes: number): Buffer {
  return randomBytes(bytes);
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Reads everything a service sends, pausing briefly every 2 MB so the path backs up. */
export async function readSlowly(port: number, localAddress: string): Promise<number> {
  const socket = await connectFrom(port, localAddress);
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received % (2 * 1024 * 1024) < chunk.length) {
        socket.pause();
        setTimeout(() => socket.resume(), 30);
      }
    });
    socket.on("end", () => resolve());
    socket.on("error", reject);
  });
  socket.destroy();
  return received;
}

/** A visitor's GET of a link URL, from `localAddress`, with optional Basic credentials. */
export function visitLink(
  url: string,
  localAddress: string,
  password?: string,
): Promise<{ status: number; body: string; authenticate?: string }> {
  const target = new URL(url);
  const headers: Record<string, string> = { host: target.host };
  if (password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`visitor:${password}`).toString("base64")}`;
  }
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: target.port, path: "/", headers, localAddress, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            authenticate: res.headers["www-authenticate"],
          }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}
