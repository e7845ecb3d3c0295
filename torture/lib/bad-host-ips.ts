// Spellings of hostIP that must be refused: out-of-range, short, padded, prefixed, octal,
// hex, integer, look-alike Unicode digits and dots, invisible and control characters,
// zone ids, ports, lists, 100 kB strings, and a null variable. Each is sent as a variable and inline,
// to a tcp service (PORT_PROXY) and an http one (AUTO_PROXY: a reverse proxy is always
// public, but a malformed hostIP is still refused rather than ignored).
import {
  CONNECT,
  type HostileBatch,
  type HostileCase,
  owner,
  REFUSED_INPUT,
  REQUEST_ERROR,
  type TargetIds,
} from "./hostile-requests.js";
import { gql } from "./raw-api.js";

/**
 * Every spelling of a hostIP that must be refused. null only as a `String!` variable, which
 * is refused before GraphQL runs: written inline, null means the default (latching), as
 * remote.it's API reads it.
 */
export const BAD_HOST_IPS: (string | null)[] = [
  "256.1.1.1",
  "1.2.3",
  " 0.0.0.0",
  "0.0.0.0 ",
  "0.0.0.0/0",
  "::ffff:999.1.1.1",
  "::ffff:0x7f.0.0.1",
  "::ffff:01.2.3.4",
  "1.2.3.4.5",
  "01.2.3.4",
  "0177.0.0.1",
  "0x7f.0.0.1",
  "127.1",
  "4294967295",
  "1e2.0.0.1",
  "+1.2.3.4",
  "０.０.０.０", // fullwidth digits
  "0．0．0．0", // fullwidth full stops
  "١٢٧.0.0.1", // Arabic-Indic digits
  "١٢٧.٠.٠.١",
  "𝟎.𝟎.𝟎.𝟎", // mathematical bold digits
  "0.0.0.0\u200b", // zero-width space
  "\u202e0.0.0.0", // right-to-left override
  "0.0.0.0\u00a0", // no-break space
  "0.0.0.0\n",
  "0.0.0.0\u0000",
  "fe80::1%eth0",
  "[::1]",
  "1.2.3.4:80",
  "0.0.0.0,1.2.3.4",
  "1::2::3",
  "gggg::1",
  "localhost",
  "*",
  "",
  "1".repeat(100_000),
  "1:".repeat(50_000),
  `::${"f".repeat(100_000)}`,
  null,
];

export function badHostIps(ids: TargetIds): HostileBatch {
  const cases: HostileCase[] = [];
  for (const hostIP of BAD_HOST_IPS) {
    const want = hostIP === null ? REQUEST_ERROR : REFUSED_INPUT;
    const shown = JSON.stringify(hostIP).slice(0, 24);
    for (const [service, type] of [
      [ids.echo, "PORT_PROXY"],
      [ids.web, "AUTO_PROXY"],
    ] as const) {
      cases.push(
        owner(`${shown} ${type} variable`, gql(CONNECT, { s: service, h: hostIP, t: type }), want),
      );
      if (hostIP === null) continue;
      const inline = `mutation { connect(serviceId: ${JSON.stringify(service)}, hostIP: ${JSON.stringify(hostIP)}, type: ${type}) { id } }`;
      cases.push(owner(`${shown} ${type} inline`, gql(inline), want));
    }
  }
  return { name: "invalid hostIP", cases };
}
