// A throwaway OpenSSH server on loopback and an `ssh -R` reverse tunnel through it: the
// baseline every tunnel is judged against.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { stopChild } from "../../test-support/processes.js";
import { waitForPort } from "../../test-support/tcp-load.js";

/** One ssh -R session carrying each [remotePort, targetPort] forward. */
export async function startSshReverseTunnel(
  sshdPort: number,
  forwards: [remotePort: number, targetPort: number][],
  programs: { ssh: string; sshd: string } = { ssh: "ssh", sshd: "/usr/sbin/sshd" },
): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  // sshd refuses to start without its privilege-separation directory (a fresh container
  // has none until the service is started once).
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), "reach-bench-ssh-"));
  for (const name of ["host_key", "client_key"]) {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, name)]);
  }
  execFileSync("cp", [join(dir, "client_key.pub"), join(dir, "authorized_keys")]);
  writeFileSync(
    join(dir, "sshd_config"),
    [
      `Port ${sshdPort}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host_key")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "AllowTcpForwarding yes",
      "GatewayPorts no",
      `PidFile ${join(dir, "sshd.pid")}`,
    ].join("\n"),
  );
  const sshd = spawn(programs.sshd, ["-D", "-e", "-f", join(dir, "sshd_config")], {
    stdio: "ignore",
  });
  await waitForPort(sshdPort);
  const ssh = spawn(
    programs.ssh,
    [
      "-N",
      "-p",
      String(sshdPort),
      "-i",
      join(dir, "client_key"),
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "ExitOnForwardFailure=yes",
      "-o",
      "LogLevel=ERROR",
      ...forwards.flatMap(([remote, target]) => ["-R", `127.0.0.1:${remote}:127.0.0.1:${target}`]),
      `${userInfo().username}@127.0.0.1`,
    ],
    { stdio: "ignore" },
  );
  for (const [remote] of forwards) await waitForPort(remote);
  return {
    child: ssh,
    async stop() {
      await stopChild(ssh);
      await stopChild(sshd);
    },
  };
}
