// Flag value parsers shared by the commands: each names the flag in its error.
import { InvalidArgumentError } from "commander";

export function integer(flag: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(
        `${flag} takes a whole number${min > 0 ? ` of at least ${min}` : ""}.`,
      );
    }
    return n;
  };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Stops a long-running role cleanly on Ctrl-C or SIGTERM. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) process.exit(1);
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
