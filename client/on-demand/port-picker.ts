// Picks the local port of a new on-demand connection: the one the user named (which must
// be free on the address it will listen on), else a free one in 33000–42999 that no other
// on-demand connection holds.
import { createServer } from "node:net";
import { DEFAULT_BIND, ON_DEMAND_PORTS } from "../../common/on-demand.js";

export async function pickPort(
  requested: number | undefined,
  taken: Set<number>,
  bind: string = DEFAULT_BIND,
): Promise<number> {
  if (requested !== undefined) {
    if (taken.has(requested)) {
      throw new Error(`Port ${requested} already belongs to another on-demand connection.`);
    }
    await requireFree(requested, bind);
    return requested;
  }
  const { low, high } = ON_DEMAND_PORTS;
  const span = high - low + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = low + ((start + i) % span);
    if (!taken.has(port) && (await isFree(port, bind))) return port;
  }
  throw new Error(`No free port in ${low}-${high} on ${bind}.`);
}

/** Rejects with the sentence the listener itself would give for a port held elsewhere. */
export async function requireFree(port: number, bind: string): Promise<void> {
  if (!(await isFree(port, bind))) {
    throw new Error(`Port ${port} on ${bind} is in use by another program: choose another port.`);
  }
}

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
