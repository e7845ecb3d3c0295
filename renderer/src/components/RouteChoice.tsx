// The routing choice, in remote.it Desktop's words: how a connection reaches its service.
import type { Route } from "../../../common/on-demand.js";
import { ROUTE_NAMES } from "../../../common/on-demand-words.js";
import { type RadioChoice, RadioGroup } from "./RadioGroup.js";

const HELP: Record<Route, string> = {
  adaptive: "A port on this computer: peer to peer first, the broker's relay if that fails.",
  p2p: "A port on this computer, always a direct connection to the device.",
  proxy: "A port on this computer, always through the broker's relay.",
  public: "The broker's public proxy: an address anyone allowed can use, until it expires.",
};

const CHOICES: RadioChoice<Route>[] = (Object.keys(ROUTE_NAMES) as Route[]).map((route) => ({
  value: route,
  label: ROUTE_NAMES[route],
  help: HELP[route],
}));

export function RouteChoice({ value, onChange }: { value: Route; onChange(route: Route): void }) {
  return (
    <RadioGroup
      legend="Routing"
      className="route-choice"
      choices={CHOICES}
      value={value}
      onChange={onChange}
    />
  );
}
