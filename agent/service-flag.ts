// Parses the agent's --service flag: NAME=TYPE:PORT[@HOST], e.g. web=http:8080 or
// db=postgres:5432@10.0.0.5.
import { SERVICE_TYPES, serviceTypeByName } from "../common/service-types.js";
import { type ServiceSpec, serviceSpecSchema } from "../common/tunnel/protocol.js";

export function parseServiceFlag(value: string): ServiceSpec {
  const match = /^([^=]+)=([A-Za-z]+):(\d{1,5})(?:@(.+))?$/.exec(value);
  if (!match?.[1] || !match[2] || !match[3]) {
    throw new Error(`--service "${value}" is not NAME=TYPE:PORT[@HOST] (e.g. web=http:8080).`);
  }
  const type = serviceTypeByName(match[2]);
  if (!type) {
    const known = SERVICE_TYPES.map((t) => t.scheme).join(", ");
    throw new Error(`--service "${value}": unknown type "${match[2]}" (known: ${known}).`);
  }
  const parsed = serviceSpecSchema.safeParse({
    name: match[1],
    application: type.application,
    port: Number(match[3]),
    host: match[4] ?? "127.0.0.1",
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`--service "${value}": ${issue?.path.join(".")} ${issue?.message}.`);
  }
  return parsed.data;
}
