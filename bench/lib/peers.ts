// The bench's preflight: which of the peers a user would pick instead of Reach are
// installed here. It installs nothing; a missing peer is named with the command that gets
// it, and the suites mark its rows "missing" and measure the rest.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface Peer {
  /** Absolute path of the program, when it was found. */
  path?: string;
  /** How to get it on Debian, for the line saying it is missing. */
  install: string;
}

export interface Peers {
  socat: Peer;
  ssh: Peer;
  sshd: Peer;
  nginx: Peer;
  /** nginx's stream module; `path` is the module to `load_module`, "" when built in. */
  nginxStream: Peer;
  haproxy: Peer;
}

const NGINX_STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";

// Servers live in sbin, which an ordinary user's PATH often leaves out.
const SERVER_DIRS = ["/usr/sbin", "/sbin"];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function find(command: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), ...extraDirs];
  return dirs.map((dir) => join(dir, command)).find(executable);
}

function nginxStream(nginx: string | undefined): Peer {
  const install = "apt-get install libnginx-mod-stream";
  if (!nginx) return { install };
  if (existsSync(NGINX_STREAM_MODULE)) return { path: NGINX_STREAM_MODULE, install };
  // A build with the module compiled in says `--with-stream` without `=dynamic` (nginx -V
  // writes to stderr).
  const version = spawnSync(nginx, ["-V"], { encoding: "utf8" });
  const flags = `${version.stdout ?? ""} ${version.stderr ?? ""}`;
  return /--with-stream(\s|$)/.test(flags) ? { path: "", install } : { install };
}

export function findPeers(): Peers {
  const nginx = find("nginx", SERVER_DIRS);
  return {
    socat: { path: find("socat"), install: "apt-get install socat" },
    ssh: { path: find("ssh"), install: "apt-get install openssh-client" },
    sshd: { path: find("sshd", SERVER_DIRS), install: "apt-get install openssh-server" },
    nginx: { path: nginx, install: "apt-get install nginx" },
    nginxStream: nginxStream(nginx),
    haproxy: { path: find("haproxy", SERVER_DIRS), install: "apt-get install haproxy" },
  };
}

/** One line on stderr for each missing peer: what it is for and how to get it. */
export function reportMissing(peers: Peers): void {
  const uses: Record<keyof Peers, string> = {
    socat: "the socat relay",
    ssh: "the ssh -R tunnel",
    sshd: "the ssh -R tunnel",
    nginx: "the nginx reverse proxy and the nginx stream relay",
    nginxStream: "the nginx stream relay",
    haproxy: "the HAProxy relay",
  };
  for (const [name, peer] of Object.entries(peers) as [keyof Peers, Peer][]) {
    if (peer.path !== undefined) continue;
    if (name === "nginxStream" && peers.nginx.path === undefined) continue;
    const what = name === "nginxStream" ? "nginx's stream module" : name;
    process.stderr.write(
      `bench: ${what} not found, so ${uses[name]} is marked missing (${peer.install})\n`,
    );
  }
}
