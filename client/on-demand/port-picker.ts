// Picks the local port of a new on-demand connection: the one the user named (which must
// be free), else a free one in 33000–42999 that no other on-demand connection holds.
import { createServer } from "node:net";
import { ON_DEMAND_PORTS } from "../../common/on-demand.js";

export async function pickPort(requested: number | undefined, taken: Set<number>): Promise<number> {
  if (requested !== undefined) {
    if (taken.has(requested)) {
      throw new Error(`Port ${requested} already belongs to another on-demand connection.`);
    }
    if (!(await isFree(requested))) {
      throw new Error(
        `Port ${requested} on 127.0.0.1 is in use by another program: choose another port.`,
      );
    }
    return requested;
  }
  const { low, high } = ON_DEMAND_PORTS;
  const span = high - low + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = low + ((start + i) % span);
    if (!taken.has(port) && (await isFree(port))) return port;
  }
  throw new Error(`No free port in ${low}-${high} on 127.0.0.1.`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ host: "127.0.0.1", port, exclusive: true }, () =>
      probe.close(() => resolve(true)),
    );
  });
}
