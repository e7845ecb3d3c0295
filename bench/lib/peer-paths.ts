// The peers' paths every suite measures next to Reach's: socat, nginx (stream relay and
// reverse proxy), HAProxy and `ssh -R`, each started only if the preflight found it; the
// others come back as missing paths with how to get them.
import type { TargetPorts } from "../../test-support/targets-process.js";
import type { BenchContext, MissingPath, TcpPath } from "./context.js";
import { startHaproxy } from "./haproxy.js";
import { type NginxPeer, startNginx } from "./nginx.js";
import { findPeers, reportMissing } from "./peers.js";
import { startSocat } from "./socat.js";
import { startSshReverseTunnel } from "./ssh-tunnel.js";

export interface StartedPeers {
  paths: TcpPath[];
  missing: MissingPath[];
  nginx: BenchContext["nginx"];
  stop(): Promise<void>;
}

export async function startPeers(targets: TargetPorts): Promise<StartedPeers> {
  const peers = findPeers();
  reportMissing(peers);
  const missing: MissingPath[] = [];
  const peerPaths: TcpPath[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  const relayTargets = [targets.bulk, targets.echo];
  let nginx: NginxPeer | undefined;
  // One that fails to start stops the ones started before it.
  try {
    if (peers.socat.path) {
      const socat = await startSocat(peers.socat.path, relayTargets);
      stoppers.push(socat.stop);
      peerPaths.push({ name: "socat relay", bulk: socat.ports[0] ?? 0, echo: socat.ports[1] ?? 0 });
    } else missing.push({ name: "socat relay", kind: "tcp", install: peers.socat.install });
    const streamModule = peers.nginxStream.path;
    if (peers.nginx.path) {
      nginx = await startNginx(peers.nginx.path, {
        httpTarget: targets.http,
        streamTargets: streamModule === undefined ? [] : relayTargets,
        streamModule,
      });
      stoppers.push(nginx.stop);
    }
    if (nginx && streamModule !== undefined) {
      const [bulk = 0, echo = 0] = nginx.streamPorts;
      peerPaths.push({ name: "nginx stream relay", bulk, echo });
    } else {
      missing.push({
        name: "nginx stream relay",
        kind: "tcp",
        install: peers.nginx.path ? peers.nginxStream.install : peers.nginx.install,
      });
    }
    if (!nginx)
      missing.push({ name: "nginx reverse proxy", kind: "http", install: peers.nginx.install });
    if (peers.haproxy.path) {
      const haproxy = await startHaproxy(peers.haproxy.path, relayTargets);
      stoppers.push(haproxy.stop);
      peerPaths.push({
        name: "haproxy relay",
        bulk: haproxy.ports[0] ?? 0,
        echo: haproxy.ports[1] ?? 0,
      });
    } else missing.push({ name: "haproxy relay", kind: "tcp", install: peers.haproxy.install });
    if (peers.ssh.path && peers.sshd.path) {
      const ssh = await startSshReverseTunnel(
        29394,
        [
          [29395, targets.bulk],
          [29397, targets.echo],
        ],
        { ssh: peers.ssh.path, sshd: peers.sshd.path },
      );
      stoppers.push(ssh.stop);
      peerPaths.push({ name: "ssh -R", bulk: 29395, echo: 29397 });
    } else {
      missing.push({
        name: "ssh -R",
        kind: "tcp",
        install: peers.ssh.path ? peers.sshd.install : peers.ssh.install,
      });
    }
  } catch (error) {
    await Promise.all(stoppers.map((s) => s()));
    throw error;
  }
  const stop = async () => {
    await Promise.all(stoppers.map((s) => s()));
  };
  const httpPort = nginx?.httpPort;
  return {
    paths: peerPaths,
    missing,
    nginx: nginx && httpPort !== undefined ? { httpPort, workerPids: nginx.workerPids } : undefined,
    stop,
  };
}
