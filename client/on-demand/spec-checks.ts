// The checks a connection's settings pass before they are saved, each failing with one
// sentence that names the problem. They run on the whole spec as it would be saved, so an
// add and an update are held to the same rules; the port's owner (another connection,
// another program) is the manager's question, since it needs the other connections.
import { parseRestriction } from "../../common/local-restriction.js";
import { type OnDemandSpec, onDemandSpecSchema } from "../../common/on-demand.js";
import { checkBindAddress } from "./bind-address.js";

/** The spec with its bind address and restriction in their one spelling, or throws. */
export function checkedSpec(spec: OnDemandSpec): OnDemandSpec {
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) {
    throw new Error(`Port ${spec.port} is not a TCP port: use 1-65535.`);
  }
  const bind = checkBindAddress(spec.bind);
  if (!bind.ok) throw new Error(bind.reason);
  const restriction = parseRestriction(spec.restrict);
  if (!restriction.ok) throw new Error(restriction.reason);
  const name = spec.name.trim();
  if (!name) throw new Error("A connection needs a name: leave it out to use the service's.");
  const checked = { ...spec, name, bind: bind.address, restrict: restriction.canonical };
  const result = onDemandSpecSchema.safeParse(checked);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`The connection's ${issue?.path.join(".") || "settings"}: ${issue?.message}.`);
  }
  return result.data;
}

/** Whether a spec has a listener: switched on, and a route with a local port. */
export function listens(spec: OnDemandSpec): boolean {
  return spec.enabled && spec.route !== "public";
}

/** Whether going from one spec to the other needs a new listener. */
export function listensDifferently(a: OnDemandSpec, b: OnDemandSpec): boolean {
  return a.port !== b.port || a.bind !== b.bind || a.route !== b.route || a.enabled !== b.enabled;
}
