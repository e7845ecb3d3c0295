// Which colour a state is shown in. The colour only repeats what the words next to it say
// (online, connected P2P, expired …): it is never the only sign of a state.
import type { OnDemandView } from "../../../common/on-demand.js";

export type Tone = "ok" | "bad" | "muted" | "info";

/** A saved connection's tone: up (connected, public) is ok, ended badly is bad. */
export function savedTone(status: OnDemandView["status"]): Tone {
  if (status === "connected" || status === "public") return "ok";
  if (status === "failed" || status === "expired") return "bad";
  if (status === "connecting") return "info";
  return "muted";
}

/** A broker connection's tone from whether it is live and how it ended. */
export function brokerTone(live: boolean, status: string): Tone {
  if (live) return "ok";
  return status === "expired" ? "bad" : "muted";
}
