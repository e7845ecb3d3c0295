// What to do when the broker knows no device yet: run an agent on the machine to reach,
// with the exact command for this broker and key, and a button to copy it.
import { Check, Copy } from "lucide-react";
import { Fragment } from "react";
import { agentCommand, SECRET_PLACEHOLDER } from "../lib/agent-command.js";
import { useStore } from "../store.js";

export function NoDevices() {
  const session = useStore((s) => s.desktop?.session);
  const copy = useStore((s) => s.copy);
  const copied = useStore((s) => s.copiedId === "agent-command");
  if (!session?.signedIn) return null;
  const command = agentCommand(session.apiUrl, session.accessKeyId);
  return (
    <div className="empty no-devices">
      <p>
        No devices yet. On the machine you want to reach, run an agent (it offers that machine's SSH
        on port 22; add a <code>--service</code> for each other port):
      </p>
      <code className="command">
        {/* Words kept whole: a line may break between flags, never inside "--secret". */}
        {command.split(" ").map((word, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the words of a fixed line, in order
          <Fragment key={i}>
            {i > 0 && " "}
            <span className="command-word">{word}</span>
          </Fragment>
        ))}
      </code>
      <div className="actions">
        <button type="button" onClick={() => void copy("agent-command", command)}>
          {copied ? <Check aria-hidden="true" size={14} /> : <Copy aria-hidden="true" size={14} />}
          {copied ? "Copied" : "Copy command"}
        </button>
        <span className="hint">
          Replace {SECRET_PLACEHOLDER} with your secret access key; the device appears here once the
          agent is up.
        </span>
      </div>
    </div>
  );
}
