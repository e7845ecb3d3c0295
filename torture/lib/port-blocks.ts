// The fixed ports of torture scenarios. Each scenario claims one block when its module
// loads (its broker's listener, its port-proxy range, any listener of its own) and blocks
// are handed out one after another from one range, so no two scenarios can share a port:
// the hand-kept ranges this replaces had come to overlap. The range lies above the bench's
// ports (29391-29599) and below the kernel's ephemeral ports (32768 up), where
// listen(0) and outgoing connections take theirs.
const FIRST_PORT = 30100;
const LAST_PORT = 32767;

let nextPort = FIRST_PORT;
const owners = new Set<string>();

export interface PortBlock {
  owner: string;
  first: number;
  size: number;
  /** The block's `index`-th port (from 0). */
  port(index: number): number;
  /** `count` ports from the `index`-th on as "lo-hi", the shape of --proxy-ports. */
  range(index: number, count: number): string;
}

/** Claims `size` consecutive ports for `owner` (a scenario's name), once per owner. */
export function claimPortBlock(owner: string, size: number): PortBlock {
  if (owners.has(owner)) throw new Error(`${owner} has already claimed its port block`);
  if (!Number.isInteger(size) || size < 1) {
    throw new Error(`${owner} asked for ${size} ports: a block holds a whole number from 1`);
  }
  if (nextPort + size - 1 > LAST_PORT) {
    throw new Error(
      `${owner} asked for ${size} ports, but only ${LAST_PORT - nextPort + 1} are left in ${FIRST_PORT}-${LAST_PORT}`,
    );
  }
  owners.add(owner);
  const first = nextPort;
  nextPort += size;
  const inBlock = (index: number, count: number) => {
    if (!Number.isInteger(index) || index < 0 || index + count > size) {
      throw new Error(
        `${owner}'s port block holds ${size} ports (${first}-${first + size - 1}); ports ${index} to ${index + count - 1} of it do not exist`,
      );
    }
    return first + index;
  };
  return {
    owner,
    first,
    size,
    port: (index) => inBlock(index, 1),
    range: (index, count) => `${inBlock(index, count)}-${inBlock(index, count) + count - 1}`,
  };
}
