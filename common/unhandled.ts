// The end of an exhaustive switch over a discriminated union (the tunnel's messages): a
// member the switch does not handle makes `value` something other than `never`, so a new
// message type fails to compile until every dispatcher handles it.
export function unhandled(value: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(value)}`);
}
