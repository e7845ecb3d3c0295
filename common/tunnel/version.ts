// The tunnel protocol's version. The agent announces it in its hello; the broker accepts
// the versions it speaks and closes the control channel of any other with a code of its
// own and a sentence the agent prints, naming both versions and which side to upgrade.
// A hello without a version comes from an agent built before versions were announced,
// which speaks version 1.
//
// Version 2 adds the broker's `dial` (protocol.ts): an agent of a cluster opens a data
// connection to another node. A version-1 agent is still welcomed; its device is reached
// only through the node holding its tunnel.
export const TUNNEL_PROTOCOL_VERSION = 2;

/** The version a hello without one is read as. */
export const UNANNOUNCED_VERSION = 1;

/** The versions this build's broker speaks. */
export const BROKER_SPOKEN_VERSIONS: readonly number[] = [1, TUNNEL_PROTOCOL_VERSION];

/** The first version whose agents follow a `dial`. */
export const DIAL_VERSION = 2;

/** The close code of a control channel whose first message was not a valid hello. */
export const INVALID_HELLO_CLOSE_CODE = 4000;
/** The close code of a control channel refused for its version. */
export const VERSION_REFUSED_CLOSE_CODE = 4001;

/**
 * Why a broker speaking `spoken` refuses an agent speaking `agentVersion`, or null when it
 * does not. Short enough for a WebSocket close reason (at most 123 bytes).
 */
export function versionRefusal(
  agentVersion: number,
  spoken: readonly number[] = BROKER_SPOKEN_VERSIONS,
): string | null {
  if (spoken.includes(agentVersion)) return null;
  const upgrade = agentVersion > Math.max(...spoken) ? "the broker" : "the agent";
  return `The agent speaks tunnel protocol ${agentVersion}, the broker ${spoken.join(" or ")}: upgrade ${upgrade}.`;
}
