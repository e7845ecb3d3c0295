// How a LAN-shared connection's local network security reads beside its address.
import type { OnDemandView } from "../../../common/on-demand.js";

/** "anyone", "latched by 192.168.1.7", "latching, not yet latched", "only …", or the CIDR. */
export function restrictionWords(view: Pick<OnDemandView, "restrict" | "latchedIp">): string {
  if (view.restrict === "none") return "anyone";
  if (view.restrict === "latching") {
    return view.latchedIp ? `latched by ${view.latchedIp}` : "latching, not yet latched";
  }
  return view.restrict.includes("/") ? view.restrict : `only ${view.restrict}`;
}

/** Who may use a public proxy: "anyone", "only 203.0.113.9", "latching" or "latched by …". */
export function publicRestrictionWords(
  view: Pick<OnDemandView, "publicMode" | "publicIp">,
  latchedIP: string | null,
): string {
  if (view.publicMode === "public") return "anyone";
  if (view.publicMode === "restricted") return `only ${view.publicIp ?? "my IP"}`;
  return latchedIP ? `latched by ${latchedIP}` : "latching, not yet latched";
}
