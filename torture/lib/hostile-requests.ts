// The hostile requests of the hostile-graphql scenario, in batches, each with the answer
// the API promises (docs/api.md): a request that cannot run at all is HTTP 400 (GraphQL
// never ran), one a resolver refuses is 200 with the error (GraphQL ran, nothing
// happened), an oversized body is 413. Every one of them must create nothing.
import { gql, type SendOptions, type SignOptions } from "./raw-api.js";

export interface Expected {
  status: number;
  code: string;
}

export interface HostileCase {
  name: string;
  /** "owner" owns the services; "other" is a second user aiming at the owner's ids. */
  as: "owner" | "other";
  body: string | Buffer;
  want: Expected;
  sign?: SignOptions;
  send?: SendOptions;
  /** Sent with no Authorization at all. */
  unsigned?: boolean;
}

export interface HostileBatch {
  name: string;
  cases: HostileCase[];
}

/** The owner's real ids, for cases that aim at them. */
export interface TargetIds {
  echo: string;
  web: string;
  connection: string;
}

export const REQUEST_ERROR: Expected = { status: 400, code: "BAD_USER_INPUT" };
export const REFUSED_INPUT: Expected = { status: 200, code: "BAD_USER_INPUT" };
const ABSENT: Expected = { status: 200, code: "NOT_FOUND" };
const TOO_LARGE: Expected = { status: 413, code: "BAD_USER_INPUT" };

export const CONNECT = `mutation ($s: String!, $h: String!, $t: ProxyType) { connect(serviceId: $s, hostIP: $h, type: $t) { id } }`;
const DISCONNECT = `mutation ($s: String, $c: String!) { disconnect(serviceId: $s, connectionId: $c) }`;
const MiB = 1024 * 1024;

export const owner = (name: string, body: string | Buffer, want: Expected): HostileCase => ({
  name,
  as: "owner",
  body,
  want,
});

export function malformedBodies(): HostileBatch {
  const bodies: [string, string | Buffer][] = [
    ["not JSON", "{ not json"],
    ["empty body", ""],
    ["truncated JSON", '{"query": "{ login { email } }"'],
    ["binary garbage", Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0xc3, 0x28])],
    ["null", "null"],
    ["number", "42"],
    ["string", '"{ login { email } }"'],
    ["boolean", "true"],
    ["empty object", "{}"],
    ["query null", '{"query":null}'],
    ["query a number", '{"query":5}'],
    ["query an array", '{"query":["{ login { email } }"]}'],
    ["variables a string", '{"query":"{ login { email } }","variables":"x"}'],
    ["variables an array", '{"query":"{ login { email } }","variables":[]}'],
    ["operationName a number", '{"query":"{ login { email } }","operationName":5}'],
    ["JSON nested 100k deep", `${"[".repeat(100_000)}${"]".repeat(100_000)}`],
  ];
  const cases = bodies.map(([name, body]) => owner(name, body, REQUEST_ERROR));
  const login = gql("{ login { email } }");
  for (const type of [
    "text/plain",
    "application/graphql",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
  ]) {
    cases.push({
      ...owner(`Content-Type ${type}`, login, { status: 415, code: "BAD_USER_INPUT" }),
      sign: { contentType: type },
    });
  }
  cases.push({
    ...owner("GET", "", { status: 405, code: "BAD_USER_INPUT" }),
    send: { method: "GET" },
  });
  return { name: "malformed bodies", cases };
}

export function wrongTypes(ids: TargetIds): HostileBatch {
  const connect = (name: string, variables: Record<string, unknown>) =>
    owner(name, gql(CONNECT, variables), REQUEST_ERROR);
  // Built as text: JSON.stringify itself runs out of stack on 10,000 levels.
  const deep = `{"query":${JSON.stringify(CONNECT)},"variables":{"s":${JSON.stringify(ids.echo)},"h":${"[".repeat(10_000)}"0.0.0.0"${"]".repeat(10_000)}}}`;

  const devices = (name: string, args: string, want: Expected) =>
    owner(name, gql(`{ login { devices${args} { total } } }`), want);
  return {
    name: "wrong types",
    cases: [
      connect("serviceId a number", { s: 42, h: "0.0.0.0" }),
      connect("serviceId null", { s: null, h: "0.0.0.0" }),
      connect("serviceId missing", { h: "0.0.0.0" }),
      connect("hostIP an array", { s: ids.echo, h: ["0.0.0.0"] }),
      connect("hostIP an object", { s: ids.echo, h: { ip: "0.0.0.0" } }),
      connect("hostIP a boolean", { s: ids.echo, h: true }),
      connect("hostIP a number", { s: ids.echo, h: 0 }),
      owner("hostIP nested 10k deep", deep, REQUEST_ERROR),
      connect("type not in the enum", { s: ids.echo, h: "0.0.0.0", t: "NOPE" }),
      connect("type a number", { s: ids.echo, h: "0.0.0.0", t: 5 }),
      owner(
        "inline serviceId a number",
        gql(`mutation { connect(serviceId: 42, hostIP: "0.0.0.0") { id } }`),
        REQUEST_ERROR,
      ),
      owner(
        "inline type a string",
        gql(
          `mutation { connect(serviceId: "${ids.echo}", hostIP: "0.0.0.0", type: "PORT_PROXY") { id } }`,
        ),
        REQUEST_ERROR,
      ),
      owner(
        "size a string",
        gql("query ($n: Int) { login { devices(size: $n) { total } } }", { n: "100" }),
        REQUEST_ERROR,
      ),
      owner(
        "size past 32 bits",
        gql("query ($n: Int) { login { devices(size: $n) { total } } }", { n: 2 ** 31 }),
        REQUEST_ERROR,
      ),
      devices("size 1.5", "(size: 1.5)", REQUEST_ERROR),
      devices("size 0", "(size: 0)", REFUSED_INPUT),
      devices("size 1001", "(size: 1001)", REFUSED_INPUT),
      devices("from -1", "(from: -1)", REFUSED_INPUT),
    ],
  };
}

/** Ids that name nothing of the sender's: garbage, near misses, and another user's. */
export function unknownIds(ids: TargetIds): HostileBatch {
  const garbage = [
    "",
    "nope",
    "80:00:00:00:00:00:00:01",
    "00000000-0000-4000-8000-000000000000",
    "' OR '1'='1",
    "../../../etc/passwd",
    "\u0000",
    "%s%n%x",
    "🙂",
    "x".repeat(100_000),
    ids.echo.toLowerCase(),
    ` ${ids.echo}`,
    ids.connection.toUpperCase(),
  ];
  const cases: HostileCase[] = [];
  for (const id of garbage) {
    const shown = JSON.stringify(id).slice(0, 24);
    cases.push(
      owner(`connect ${shown}`, gql(CONNECT, { s: id, h: "0.0.0.0", t: "PORT_PROXY" }), ABSENT),
      owner(`disconnect ${shown}`, gql(DISCONNECT, { c: id }), ABSENT),
      owner(
        `openPeerSession ${shown}`,
        gql(`mutation ($s: String!) { openPeerSession(serviceId: $s) { id } }`, { s: id }),
        ABSENT,
      ),
      owner(
        `closePeerSession ${shown}`,
        gql(`mutation ($i: ID!) { closePeerSession(id: $i) }`, { i: id }),
        ABSENT,
      ),
    );
  }
  cases.push(
    owner(
      "disconnect with the wrong serviceId",
      gql(DISCONNECT, { s: ids.web, c: ids.connection }),
      ABSENT,
    ),
  );
  const other = (name: string, body: string): HostileCase => ({
    name,
    as: "other",
    body,
    want: ABSENT,
  });
  cases.push(
    other("other user: connect tcp", gql(CONNECT, { s: ids.echo, h: "0.0.0.0", t: "PORT_PROXY" })),
    other("other user: connect http", gql(CONNECT, { s: ids.web, h: "0.0.0.0", t: "AUTO_PROXY" })),
    other("other user: disconnect", gql(DISCONNECT, { c: ids.connection })),
    other(
      "other user: disconnect with serviceId",
      gql(DISCONNECT, { s: ids.echo, c: ids.connection }),
    ),
    other(
      "other user: openPeerSession",
      gql(`mutation ($s: String!) { openPeerSession(serviceId: $s) { id } }`, { s: ids.echo }),
    ),
  );
  return { name: "unknown and foreign ids", cases };
}

export function queryShapes(ids: TargetIds): HostileBatch {
  const connect = (alias: string) =>
    `${alias}: connect(serviceId: ${JSON.stringify(ids.echo)}, hostIP: "0.0.0.0", type: PORT_PROXY) { id }`;
  const aliases = (n: number, prefix = "c") =>
    Array.from({ length: n }, (_, i) => connect(`${prefix}${i}`)).join(" ");
  const nest = (n: number, field: string, leaf: string) =>
    `${`${field} { `.repeat(n)}${leaf}${" }".repeat(n)}`;
  const login = JSON.stringify({ query: "{ login { email } }" });
  const shapes: [string, string][] = [
    [
      "__type nested 12 deep",
      `{ __type(name: "User") { fields { type { ${nest(12, "ofType", "name")} } } } }`,
    ],
    [
      "__schema nested 100 deep",
      `{ __schema { types { fields { type { ${nest(100, "ofType", "name")} } } } } }`,
    ],
    ["__schema fanning out", `{ __schema { types { ${nest(30, "fields { type", "name }")} } } }`],
    [
      "__schema with 10 aliases of types",
      `{ __schema { ${Array.from({ length: 10 }, (_, i) => `t${i}: types { fields { type { ${nest(4, "ofType", "name")} } } }`).join(" ")} } }`,
    ],
    ["wide: one field 2000 times", `{ login { ${"email ".repeat(2000)}} }`],
    [
      "wide: 400 fragment spreads",
      `{ login { ${Array.from({ length: 400 }, (_, i) => `...F${i}`).join(" ")} } } ${Array.from({ length: 400 }, (_, i) => `fragment F${i} on User { email }`).join(" ")}`,
    ],
    ["11 aliases of connect", `mutation { ${aliases(11)} }`],
    ["100 aliases of connect", `mutation { ${aliases(100)} }`],
    [
      "aliases split across fragments",
      `mutation { ...A ...B } fragment A on Mutation { ${aliases(6, "a")} } fragment B on Mutation { ${aliases(6, "b")} }`,
    ],
    [
      "aliases in inline fragments",
      `mutation { ... on Mutation { ${aliases(6, "a")} } ... on Mutation { ${aliases(6, "b")} } }`,
    ],
    [
      "50 aliases of login",
      `{ ${Array.from({ length: 50 }, (_, i) => `l${i}: login { email }`).join(" ")} }`,
    ],
    ["20 directives", `{ login { ${"email @include(if: true) ".repeat(20)}} }`],
    ["unknown field (no suggestion)", "{ login { emial } }"],
    ["subscription", "subscription { login { email } }"],
    [
      "two operations, none named",
      '{ login { email } } mutation { disconnect(connectionId: "x") }',
    ],
  ];
  const cases = shapes.map(([name, query]) => owner(name, gql(query), REQUEST_ERROR));
  cases.push(
    owner(
      "unknown operationName",
      JSON.stringify({ query: "query A { login { email } }", operationName: "B" }),
      REQUEST_ERROR,
    ),
    owner("batch of two", `[${login},${login}]`, REQUEST_ERROR),
    owner(
      "batch of 1000 connects",
      `[${Array(1000)
        .fill(gql(`mutation { ${connect("c")} }`))
        .join(",")}]`,
      REQUEST_ERROR,
    ),
    owner("empty batch", "[]", REQUEST_ERROR),
  );
  return { name: "deep, wide, aliased, batched and introspective queries", cases };
}

/** A valid query padded with a comment to exactly `bytes` bytes of JSON. */
function paddedQuery(bytes: number): string {
  const head = '{"query":"{ login { email } } #';
  return `${head}${"x".repeat(bytes - head.length - 2)}"}`;
}

export function oversizedBodies(): HostileBatch {
  const big = paddedQuery;
  const cases: HostileCase[] = [
    owner("1 MiB + 1 byte, Content-Length", big(MiB + 1), TOO_LARGE),
    owner("8 MiB, Content-Length", big(8 * MiB), TOO_LARGE),
    // The length is checked before the signature: no need to read what will be refused.
    { ...owner("1 MiB + 1 byte, unsigned", big(MiB + 1), TOO_LARGE), unsigned: true },
    {
      ...owner("2 MiB chunked, 64 KiB chunks", big(2 * MiB), TOO_LARGE),
      send: { chunkBytes: 64 * 1024 },
    },
    {
      ...owner("1 MiB + 1 byte chunked, 1 KiB chunks", big(MiB + 1), TOO_LARGE),
      send: { chunkBytes: 1024 },
    },
  ];
  return { name: "bodies over 1 MiB", cases };
}

/** A body just under the limit, which must still be served (the limit is not lower). */
export function justUnderLimit(): string {
  return paddedQuery(1_000_000);
}
