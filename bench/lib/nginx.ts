// nginx (Debian's package) as the peers a user would put in front of an `ssh -R` instead of
// Reach: an HTTP reverse proxy to the same web server Reach's reverse proxy serves, and a
// `stream` TCP relay next to socat. One throwaway instance on loopback, everything it
// writes (pid, error log, temp files) in a temp dir.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopChild } from "../../test-support/processes.js";
import { freePort } from "../../test-support/stack.js";
import { waitForPort } from "../../test-support/tcp-load.js";
import { waitForChildren } from "./child-pids.js";

export interface NginxPeer {
  /** Port of the reverse proxy, when one was asked for. */
  httpPort?: number;
  /** Port of the stream relay to each target, in the order asked. */
  streamPorts: number[];
  /** The worker's pid: where the CPU is spent (the master only manages it). */
  workerPids: number[];
  stop(): Promise<void>;
}

function config(
  dir: string,
  options: { http?: [listen: number, target: number]; streams: [number, number][] },
  streamModule: string | undefined,
): string {
  const lines = [
    streamModule && options.streams.length > 0 ? `load_module ${streamModule};` : "",
    // One worker, as the broker is one Node thread: the comparison is per core, and on a
    // 2-core machine the load generator needs the other one.
    "worker_processes 1;",
    // As root, workers would run as nobody, who cannot enter the 0700 temp dir.
    process.getuid?.() === 0 ? "user root;" : "",
    `pid ${join(dir, "nginx.pid")};`,
    `error_log ${join(dir, "error.log")} warn;`,
    "events { worker_connections 16384; }",
  ];
  if (options.http) {
    const [listen, target] = options.http;
    lines.push(
      "http {",
      "  access_log off;",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
        (kind) => `  ${kind}_temp_path ${join(dir, kind)};`,
      ),
      // Upstream connections kept alive and reused, as Reach's broker keeps a pool.
      `  upstream web { server 127.0.0.1:${target}; keepalive 64; keepalive_requests 1000000; }`,
      "  server {",
      `    listen 127.0.0.1:${listen};`,
      // nginx closes a client's connection after 1,000 requests by default; Reach does not.
      "    keepalive_requests 1000000;",
      "    location / {",
      "      proxy_pass http://web;",
      "      proxy_http_version 1.1;",
      '      proxy_set_header Connection "";',
      // Reach tells the service who the visitor is; so does this.
      "      proxy_set_header X-Forwarded-For $remote_addr;",
      "    }",
      "  }",
      "}",
    );
  }
  if (options.streams.length > 0) {
    // proxy_half_close: pass on a client's FIN and keep the other way open, as socat, HAProxy
    // and Reach do; the bulk upload ends with one and waits for the service's answer.
    lines.push(
      "stream {",
      ...options.streams.map(
        ([listen, target]) =>
          `  server { listen 127.0.0.1:${listen}; proxy_pass 127.0.0.1:${target}; proxy_half_close on; }`,
      ),
      "}",
    );
  }
  return `${lines.filter(Boolean).join("\n")}\n`;
}

/**
 * Starts nginx with a reverse proxy to `httpTarget` (if given) and a stream relay to each of
 * `streamTargets` (needs `streamModule`: the module's path, or "" when built in).
 */
export async function startNginx(
  nginx: string,
  options: { httpTarget?: number; streamTargets: number[]; streamModule?: string },
): Promise<NginxPeer> {
  const dir = mkdtempSync(join(tmpdir(), "reach-bench-nginx-"));
  const httpPort = options.httpTarget === undefined ? undefined : await freePort();
  const streams: [number, number][] = [];
  for (const target of options.streamTargets) streams.push([await freePort(), target]);
  writeFileSync(
    join(dir, "nginx.conf"),
    config(
      dir,
      { http: httpPort === undefined ? undefined : [httpPort, options.httpTarget ?? 0], streams },
      options.streamModule,
    ),
  );
  // -e: the error log from the first moment, before nginx has read the config that names it.
  const child: ChildProcess = spawn(
    nginx,
    ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log"), "-g", "daemon off;"],
    { stdio: "ignore" },
  );
  try {
    for (const port of [httpPort, ...streams.map(([listen]) => listen)]) {
      if (port !== undefined) await waitForPort(port);
    }
    const workerPids = await waitForChildren(child.pid ?? 0, 1);
    return {
      httpPort,
      streamPorts: streams.map(([listen]) => listen),
      workerPids,
      async stop() {
        await stopChild(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopChild(child);
    let log = "";
    try {
      log = readFileSync(join(dir, "error.log"), "utf8");
    } catch {}
    throw new Error(`nginx did not start (${String(error)}): ${log}`);
  }
}
