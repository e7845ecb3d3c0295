// What the page does after copyOnDemand or launchOnDemand answered: nothing when the host
// did it, else copy or open itself (headless: the browser has the clipboard and the tabs),
// and ask for what was missing.
import type { UseOutcome } from "../../../common/desktop-api.js";

export type PageStep =
  | { kind: "none"; text: string }
  | { kind: "copy"; text: string }
  | { kind: "open"; url: string }
  /** A command no terminal here could run: the page copies it and says so. */
  | { kind: "copy-command"; text: string }
  | { kind: "ask"; missing: string[] };

export function pageStep(outcome: UseOutcome): PageStep {
  if (!outcome.done) return { kind: "ask", missing: outcome.missing };
  if (outcome.byHost) return { kind: "none", text: outcome.text };
  if (outcome.kind === "url") return { kind: "open", url: outcome.text };
  if (outcome.kind === "command") return { kind: "copy-command", text: outcome.text };
  return { kind: "copy", text: outcome.text };
}

/** "username" → "Username", for the inline prompt's label. */
export function tokenLabel(token: string): string {
  return token.charAt(0).toUpperCase() + token.slice(1);
}
