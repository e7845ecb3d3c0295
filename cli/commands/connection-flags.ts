// The settings flags `reach connection add` and `set` share, and how they become the
// manager's input. The manager checks the values themselves (a bind address this machine
// has, a restriction that parses, a free port); here only the flags' own rules: a route
// this command can run, old and new spellings that agree, one of --enable/--disable.
import { type Command, InvalidArgumentError } from "commander";
import {
  DEFAULT_IDLE_TIMEOUT_S,
  type LocalRoute,
  type UpdateOnDemandInput,
} from "../../common/on-demand.js";
import { integer } from "../options.js";

export interface SettingsFlags {
  name?: string;
  route?: LocalRoute;
  port?: number;
  bind?: string;
  restrict?: string;
  idleTimeout?: number;
  /** commander's --no-p2p and --no-failover set these false. */
  p2p: boolean;
  failover: boolean;
  enable?: boolean;
  disable?: boolean;
}

/** The schema's bound on idle timeouts (a week), checked here so the flag is named. */
const MAX_IDLE_TIMEOUT_S = 7 * 86400;
const LOCAL_ROUTES: readonly LocalRoute[] = ["adaptive", "p2p", "proxy"];

function port(value: string): number {
  const n = integer("--port", 1)(value);
  if (n > 65535) throw new InvalidArgumentError("--port takes a TCP port, 1-65535.");
  return n;
}

function idleTimeout(value: string): number {
  const n = integer("--idle-timeout")(value);
  if (n > MAX_IDLE_TIMEOUT_S) {
    throw new InvalidArgumentError(`--idle-timeout is at most ${MAX_IDLE_TIMEOUT_S} (a week).`);
  }
  return n;
}

function route(value: string): LocalRoute {
  if ((LOCAL_ROUTES as readonly string[]).includes(value)) return value as LocalRoute;
  if (value === "public") {
    throw new InvalidArgumentError(
      "public is the desktop app's public proxy, which has no local port: here use adaptive, p2p or proxy.",
    );
  }
  throw new InvalidArgumentError(
    "--route takes adaptive (P2P, relay as failover), p2p (peer to peer only) or proxy (the broker's relay only).",
  );
}

/** --name, --route, --port, --bind, --restrict, --idle-timeout, --no-p2p, --no-failover. */
export function withSettingsOptions(command: Command, verb: "add" | "set"): Command {
  return command
    .option("--name <name>", "what to call it (default: the service's name)")
    .option(
      "--route <route>",
      "adaptive (P2P first, the broker's relay as failover; default), p2p (peer to peer only) or proxy (the relay only)",
      route,
    )
    .option(
      "--port <port>",
      verb === "add"
        ? "local port (default: a free one in 33000-42999)"
        : "move to this local port",
      port,
    )
    .option(
      "--bind <address>",
      `listen on this address: 127.0.0.1 (this computer only), 0.0.0.0 or :: (all addresses, to share on the LAN), or one of this computer's${verb === "add" ? "; default 127.0.0.1" : ""}`,
    )
    .option(
      "--restrict <who>",
      "who on the LAN may use it: none, latching (the first client address wins), one IP, or a subnet such as 192.168.1.0/24" +
        (verb === "add" ? "; default none" : "; giving it again forgets a latched address"),
    )
    .option(
      "--idle-timeout <seconds>",
      `let the path go after this long unused (0 = never${verb === "add" ? `; default ${DEFAULT_IDLE_TIMEOUT_S}` : ""})`,
      idleTimeout,
    )
    .option("--no-p2p", "never try peer to peer: the same as --route proxy")
    .option("--no-failover", "never fall back to the broker's relay: the same as --route p2p");
}

/** --route, or the route the old --no-p2p/--no-failover spell; both given must agree. */
export function routeOf(flags: SettingsFlags): LocalRoute | undefined {
  if (!flags.p2p && !flags.failover) {
    throw new Error("--no-p2p with --no-failover leaves no path: keep one of them.");
  }
  const old: LocalRoute | undefined = !flags.p2p ? "proxy" : !flags.failover ? "p2p" : undefined;
  if (flags.route && old && flags.route !== old) {
    const spelled = flags.p2p ? "--no-failover" : "--no-p2p";
    throw new Error(
      `--route ${flags.route} conflicts with ${spelled}, which means --route ${old}: give one of them.`,
    );
  }
  return flags.route ?? old;
}

/** The changes the flags ask for; undefined fields are left as they are. */
export function settingsOf(flags: SettingsFlags): Omit<UpdateOnDemandInput, "id"> {
  if (flags.enable && flags.disable) {
    throw new Error("--enable and --disable contradict each other: give one of them.");
  }
  return {
    name: flags.name,
    route: routeOf(flags),
    port: flags.port,
    bind: flags.bind,
    restrict: flags.restrict,
    idleTimeout: flags.idleTimeout,
    enabled: flags.enable ? true : flags.disable ? false : undefined,
  };
}
