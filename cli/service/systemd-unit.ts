// A systemd unit for `reach broker` or `reach agent`: started at boot once the network is
// up, restarted on failure, as a dynamic unprivileged user with only its state directory
// writable. Every line is one systemd.exec(5)/systemd.service(5) documents in systemd 252
// (Debian 12), so `systemd-analyze verify` passes there.
import { type ServiceDefinition, serviceName } from "./definition.js";
import { systemdCommandLine } from "./quote.js";

/** Under these, ProtectHome=yes would hide node or reach itself: the home is read-only instead. */
const HOME_PREFIXES = ["/home/", "/root/", "/run/user/"];

export function systemdUnit(definition: ServiceDefinition): string {
  const name = serviceName(definition.role);
  const broker = definition.role === "broker";
  const inHome = [definition.node, definition.script].some((path) =>
    HOME_PREFIXES.some((prefix) => path.startsWith(prefix)),
  );
  const lines = [
    `# Written by \`reach ${definition.role} install\`; \`reach ${definition.role} uninstall\` removes it.`,
    "[Unit]",
    `Description=Reach ${definition.role}`,
    "After=network-online.target",
    "Wants=network-online.target",
    // Keep restarting however often it fails: a broker that cannot reach its store, or an
    // agent whose broker is away, should come back by itself once the other side does.
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${systemdCommandLine([definition.node, definition.script, definition.role, ...definition.args])}`,
    "Restart=on-failure",
    // Fixed, not growing: RestartSteps= (a growing delay) needs systemd 254.
    "RestartSec=5s",
    "DynamicUser=yes",
    `StateDirectory=${name}`,
    "StateDirectoryMode=0700",
    "UMask=0077",
    `Environment=HOME=${definition.dataDir}`,
    ...(definition.credentialsFile
      ? [
          // Read by systemd as root before the switch to the dynamic user, who could not
          // read the operator's file itself; the service sees a private copy.
          `LoadCredential=credentials:${definition.credentialsFile.replace(/%/g, "%%")}`,
          "Environment=REACH_CREDENTIALS=%d/credentials",
        ]
      : []),
    // The broker binds 53, 80 and 443; the agent needs no capability at all.
    ...(broker
      ? ["AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE"]
      : ["CapabilityBoundingSet="]),
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    `ProtectHome=${inHome ? "read-only" : "yes"}`,
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    // AF_NETLINK: listing the network interfaces (the agent's P2P candidates) asks netlink.
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "PrivateMounts=yes",
    "ProtectProc=invisible",
    "SystemCallArchitectures=native",
    // The set systemd keeps for ordinary services. EPERM rather than a kill for the rest:
    // libuv and V8 try some calls (io_uring, memory keys) and do without them when refused.
    "SystemCallFilter=@system-service",
    "SystemCallErrorNumber=EPERM",
    // MemoryDenyWriteExecute= is left out on purpose: V8's JIT writes the code it runs.
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ];
  return lines.join("\n");
}
