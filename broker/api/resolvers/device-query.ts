// devices(…)'s arguments as remote.it defines them, checked in one place: an explicit null
// for an argument with a default takes the default (GraphQL passes the null through, the
// real API answers as if it were absent), and a bad value is BAD_USER_INPUT naming it.
import type { DeviceQuery, DeviceSortField } from "../../store/store.js";
import { apiError, quoteId } from "../api-error.js";

export const MAX_PAGE_SIZE = 1000;

const DEFAULTS = { sort: "name", from: 0, size: 100 } as const;
const SORT_FIELDS: readonly DeviceSortField[] = ["name", "created", "state", "lastReported"];
const STATES = ["active", "inactive"] as const;

export interface DevicesArguments {
  sort?: string | null;
  from?: number | null;
  size?: number | null;
  application?: number[] | null;
  hardwareId?: string | null;
  id?: string[] | null;
  name?: string | null;
  owner?: boolean | null;
  platform?: number[] | null;
  state?: string | null;
  tag?: { operator: "ANY" | "ALL"; values: string[] } | null;
}

/** The store's query for these arguments (without the live nodes, which the broker adds). */
export function parseDevicesArguments(args: DevicesArguments): Omit<DeviceQuery, "liveNodes"> {
  const size = args.size ?? DEFAULTS.size;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw apiError("BAD_USER_INPUT", `size must be between 1 and ${MAX_PAGE_SIZE}, not ${size}.`);
  }
  const from = args.from ?? DEFAULTS.from;
  if (!Number.isInteger(from) || from < 0) {
    throw apiError("BAD_USER_INPUT", `from must be 0 or more, not ${from}.`);
  }
  return {
    size,
    from,
    sort: parseSort(args.sort ?? DEFAULTS.sort),
    ...(args.name != null && { name: args.name }),
    ...(args.hardwareId != null && { hardwareId: args.hardwareId }),
    ...(args.id != null && { ids: args.id }),
    ...(args.application != null && { applications: args.application }),
    ...(args.state != null && { state: parseState(args.state) }),
    ...(args.tag != null && { tags: { operator: args.tag.operator, names: args.tag.values } }),
  };
}

function parseSort(sort: string): DeviceQuery["sort"] {
  const descending = sort.startsWith("-");
  const field = SORT_FIELDS.find((f) => f === (descending ? sort.slice(1) : sort));
  if (!field) {
    throw apiError(
      "BAD_USER_INPUT",
      `sort must be one of ${SORT_FIELDS.join(", ")}, with a leading - for descending; not ${quoteId(sort)}.`,
    );
  }
  return { field, descending };
}

function parseState(state: string): "active" | "inactive" {
  const known = STATES.find((s) => s === state);
  if (!known) {
    throw apiError("BAD_USER_INPUT", `state must be active or inactive, not ${quoteId(state)}.`);
  }
  return known;
}
