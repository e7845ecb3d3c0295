// "retrying in 3 s": when the core's next re-sync with an unreachable broker runs.

/** Words for the next try at `nextSyncAt` (epoch ms), or null when none is planned. */
export function retryWords(nextSyncAt: number | null, now: number): string | null {
  if (nextSyncAt === null) return null;
  const seconds = Math.ceil((nextSyncAt - now) / 1000);
  return seconds > 0 ? `retrying in ${seconds} s` : "retrying now";
}
