// How an agent asks for its control channel: GET /tunnel/v1/control as a WebSocket, signed
// as every upgrade of Reach's clients is (common/r3-upgrade.ts). Written once so the agent
// and anything else that opens a control channel sign the same request.
import type { R3Credentials } from "../r3-signature.js";
import { signedUpgradeHeaders } from "../r3-upgrade.js";
import { CONTROL_PATH } from "./protocol.js";

/** The headers of a control-channel request to the broker at `host`, signed as of `date`. */
export function controlRequestHeaders(
  credentials: R3Credentials,
  host: string,
  date = new Date(),
): Record<string, string> {
  return signedUpgradeHeaders(credentials, host, CONTROL_PATH, date);
}
