// How long ago a visitor came, for the visitors table: "just now" under a second (and for a
// clock a little behind the broker's), else "12m ago".
import { formatRemaining } from "../../../common/format-remaining.js";

export function sinceWords(since: number, now: number): string {
  const ago = now - since;
  return ago < 1000 ? "just now" : `${formatRemaining(ago)} ago`;
}
