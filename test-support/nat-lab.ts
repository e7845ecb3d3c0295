// Two home networks behind NAT routers and a "public" network between them, made with
// Linux network namespaces (ip netns) and nftables, for the on-demand NAT tests:
//
//   a (10.0.1.2) ── in│nat-a│out 198.51.100.10 ──┐
//                                                 br0 (pub): broker 198.51.100.1
//   c (10.0.2.2) ── in│nat-b│out 198.51.100.20 ──┘
//
// The public side is TEST-NET-2 (198.51.100.0/24) and the homes are private 10/8 nets, so
// nothing here can meet a real address. "pub" does not forward: a packet for a private
// address of the other home dies there, as on the internet. Each router masquerades its
// home (Linux keeps the source port when it can: endpoint-independent mapping, with
// conntrack's address-and-port-dependent filtering, as most home routers do) or, as a
// symmetric NAT, picks a random port for each new destination (`fully-random`). Router B
// counts what its home sends to the broker's TCP port and to router A's UDP ports, which
// says which path carried a transfer. Names are unique per run (`reach-<pid>-<n>-…`);
// destroy() removes everything, and a process exit does it too.
import { execFileSync } from "node:child_process";
import { REPOSITORY_ROOT } from "./cli-session.js";
import { type ChildOptions, REACH, runToExit, startChild, type WatchedChild } from "./processes.js";

export type NatKind = "masquerade" | "symmetric";

export const BROKER_IP = "198.51.100.1";
export const NAT_A_PUBLIC = "198.51.100.10";
export const NAT_B_PUBLIC = "198.51.100.20";
export const AGENT_IP = "10.0.1.2";
export const CLIENT_IP = "10.0.2.2";

/** What router B forwarded from its home, in bytes (IP packets, headers included). */
export interface Forwarded {
  toBroker: number;
  toPeer: number;
}

export interface NatLab {
  /** The namespaces' names: the public one, the two routers, the agent's and the client's. */
  ns: { pub: string; natA: string; natB: string; agent: string; client: string };
  /** A long-running command inside namespace `ns`, e.g. `reach agent …`; stop() ends it. */
  start(ns: string, command: string[], options?: ChildOptions): WatchedChild;
  /** `reach <args>` inside namespace `ns`. */
  startReach(ns: string, args: string[], options?: ChildOptions): WatchedChild;
  /** `reach <args>` inside namespace `ns`, run to its exit. */
  runReach(ns: string, args: string[], options?: ChildOptions): ReturnType<typeof runToExit>;
  /** Counts router B's home traffic toward the broker's TCP `brokerPort` and router A's UDP. */
  countFromB(brokerPort: number): void;
  forwardedFromB(): Forwarded;
  destroy(): Promise<void>;
}

let labs = 0;

/**
 * The sentence saying why this process may not make network namespaces (not root, no
 * CAP_NET_ADMIN), else null. Any other trouble (no `ip` at all, say) is no reason to skip:
 * the lab then fails, saying what went wrong.
 */
export function netnsUnavailable(): string | null {
  const probe = `reach-${process.pid}-probe`;
  try {
    execFileSync("ip", ["netns", "add", probe], { stdio: "pipe" });
    execFileSync("ip", ["netns", "del", probe], { stdio: "pipe" });
    return null;
  } catch (error) {
    const message = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? "";
    return /not permitted|permission denied/i.test(message)
      ? `ip netns add is not permitted here (needs root or CAP_NET_ADMIN): ${message.split("\n")[0]}`
      : null;
  }
}

function run(args: string[]): string {
  return execFileSync(args[0] as string, args.slice(1), { encoding: "utf8", stdio: "pipe" });
}

/** Builds the lab with router B of `natB`'s kind (router A always masquerades). */
export function createNatLab(options: { natB: NatKind }): NatLab {
  const prefix = `reach-${process.pid}-${++labs}`;
  const ns = {
    pub: `${prefix}-pub`,
    natA: `${prefix}-nat-a`,
    natB: `${prefix}-nat-b`,
    agent: `${prefix}-a`,
    client: `${prefix}-c`,
  };
  const created: string[] = [];
  const children: WatchedChild[] = [];
  const removeAll = () => {
    for (const name of created.splice(0).reverse()) {
      // Processes left in the namespace (ours: nothing else runs in it) go first, so the
      // namespace and its links go at once.
      for (const pid of pidsIn(name)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Gone meanwhile.
        }
      }
      try {
        run(["ip", "netns", "del", name]);
      } catch {
        // Already gone.
      }
    }
  };
  // Gone with the process too: on exit, and on the signals a test runner or Ctrl-C sends
  // (each then re-raised, so the process still ends as it would have).
  const onSignal = (signal: NodeJS.Signals) => {
    removeAll();
    process.kill(process.pid, signal);
  };
  process.once("exit", removeAll);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    for (const name of Object.values(ns)) {
      run(["ip", "netns", "add", name]);
      created.push(name);
      run(["ip", "-n", name, "link", "set", "lo", "up"]);
    }
    // The public network: a bridge in pub, each router's "out" on it.
    run(["ip", "-n", ns.pub, "link", "add", "br0", "type", "bridge"]);
    run(["ip", "-n", ns.pub, "addr", "add", `${BROKER_IP}/24`, "dev", "br0"]);
    run(["ip", "-n", ns.pub, "link", "set", "br0", "up"]);
    const router = (name: string, port: string, outside: string, inside: string, home: string) => {
      run(["ip", "-n", name, "link", "add", "out", "type", "veth", "peer", port, "netns", ns.pub]);
      run(["ip", "-n", ns.pub, "link", "set", port, "master", "br0", "up"]);
      run(["ip", "-n", name, "addr", "add", `${outside}/24`, "dev", "out"]);
      run(["ip", "-n", name, "link", "set", "out", "up"]);
      run(["ip", "-n", name, "route", "add", "default", "via", BROKER_IP]);
      run(["ip", "-n", name, "link", "add", "in", "type", "veth", "peer", "eth0", "netns", home]);
      run(["ip", "-n", name, "addr", "add", `${inside}.1/24`, "dev", "in"]);
      run(["ip", "-n", name, "link", "set", "in", "up"]);
      run(["ip", "-n", home, "addr", "add", `${inside}.2/24`, "dev", "eth0"]);
      run(["ip", "-n", home, "link", "set", "eth0", "up"]);
      run(["ip", "-n", home, "route", "add", "default", "via", `${inside}.1`]);
      run(["ip", "netns", "exec", name, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    };
    router(ns.natA, "to-a", NAT_A_PUBLIC, "10.0.1", ns.agent);
    router(ns.natB, "to-b", NAT_B_PUBLIC, "10.0.2", ns.client);
    nft(ns.natA, natRules("masquerade"));
    nft(ns.natB, natRules(options.natB));
  } catch (error) {
    removeAll();
    throw error;
  }

  const inNs = (name: string, command: string[], childOptions: ChildOptions = {}) =>
    [["netns", "exec", name, ...command], { cwd: REPOSITORY_ROOT, ...childOptions }] as const;
  const reachCommand = (args: string[]) => [process.execPath, REACH, ...args];
  const counter = (name: string) => {
    const listed = JSON.parse(
      run(["ip", "netns", "exec", ns.natB, "nft", "-j", "list", "counter", "ip", "reach", name]),
    ) as { nftables: { counter?: { bytes: number } }[] };
    return listed.nftables.find((entry) => entry.counter)?.counter?.bytes ?? 0;
  };
  return {
    ns,
    start(name, command, childOptions) {
      const [args, opts] = inNs(name, command, childOptions);
      const child = startChild("ip", [...args], {
        label: `${command.slice(0, 3).join(" ")} in ${name}`,
        ...opts,
      });
      children.push(child);
      return child;
    },
    startReach(name, args, childOptions) {
      return this.start(name, reachCommand(args), {
        label: `reach ${args[0]} in ${name}`,
        ...childOptions,
      });
    },
    runReach(name, args, childOptions) {
      const [fullArgs, opts] = inNs(name, reachCommand(args), childOptions);
      return runToExit("ip", [...fullArgs], { label: `reach ${args[0]} in ${name}`, ...opts });
    },
    countFromB(brokerPort) {
      nft(
        ns.natB,
        [
          "table ip reach {",
          "  counter to_broker {}",
          "  counter to_peer {}",
          "  chain count {",
          "    type filter hook forward priority 0; policy accept;",
          `    iifname "in" ip daddr ${BROKER_IP} tcp dport ${brokerPort} counter name to_broker`,
          `    iifname "in" ip daddr ${NAT_A_PUBLIC} meta l4proto udp counter name to_peer`,
          "  }",
          "}",
        ].join("\n"),
      );
    },
    forwardedFromB: () => ({ toBroker: counter("to_broker"), toPeer: counter("to_peer") }),
    async destroy() {
      await Promise.all(children.splice(0).map((child) => child.stop()));
      removeAll();
      process.removeListener("exit", removeAll);
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    },
  };
}

/** The router's NAT: masquerade keeps ports where it can; fully-random picks one per flow. */
function natRules(kind: NatKind): string {
  const flags = kind === "symmetric" ? " fully-random" : "";
  return [
    "table ip nat {",
    "  chain postrouting {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    `    oifname "out" masquerade${flags}`,
    "  }",
    "}",
    // A home router's firewall: nothing new comes in from outside to the router itself.
    // Without it, a peer's check that arrives before ours has gone out lands on the router,
    // and conntrack keeps it as a flow; our own check then clashes with that flow, so
    // masquerade gives it another port and the two holes never meet (seen: each side's
    // reply tuple moved to a fresh port, ICE "checking" to the end).
    "table ip filter {",
    "  chain input {",
    "    type filter hook input priority filter; policy accept;",
    '    iifname "out" ct state new drop',
    "  }",
    "}",
  ].join("\n");
}

function nft(name: string, rules: string): void {
  execFileSync("ip", ["netns", "exec", name, "nft", "-f", "-"], { input: rules, stdio: "pipe" });
}

function pidsIn(name: string): number[] {
  try {
    return run(["ip", "netns", "pids", name]).split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
