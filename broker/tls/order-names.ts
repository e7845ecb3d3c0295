// The names one node's certificate covers. DNS-01 can prove a wildcard, so the reverse-proxy
// hosts (<label>.p<N>.<zone>) are covered by *.p<N>.<zone>; HTTP-01 cannot (a CA will not
// issue a wildcard on an HTTP answer), so with it only the apex and p<N>.<zone> are.
import type { BrokerConfig } from "../config.js";

export function orderNames(config: Pick<BrokerConfig, "domain" | "node" | "acme">): string[] {
  const node = `p${config.node}.${config.domain}`;
  return config.acme?.challenge === "dns-01"
    ? [config.domain, node, `*.${node}`]
    : [config.domain, node];
}
