// A clock for components that show time left: re-renders on an interval and reads the time.
import { useEffect, useState } from "react";

/** Re-renders every `intervalMs` (a second by default) and returns the time of this render. */
export function useNow(intervalMs = 1000): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return Date.now();
}
