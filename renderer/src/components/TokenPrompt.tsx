// Asks once for what a Copy or Launch template needs and the connection lacks (a username):
// the core remembers the answer for that connection.
import { type FormEvent, useState } from "react";
import { tokenLabel } from "../lib/use-outcome.js";
import { type Asking, useStore } from "../store.js";
import { Field } from "./Field.js";

export function TokenPrompt({ asking }: { asking: Asking }) {
  const runTemplate = useStore((s) => s.runTemplate);
  const busy = useStore((s) => s.busy);
  const [value, setValue] = useState("");
  const token = asking.missing[0] ?? "username";

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) void runTemplate(asking.use, asking.id, value.trim());
  };

  return (
    <form className="token-prompt" onSubmit={submit} aria-label={`${tokenLabel(token)} needed`}>
      <Field
        label={`${tokenLabel(token)} for this connection`}
        value={value}
        onChange={setValue}
        autoFocus
        name="token"
      />
      <button type="submit" disabled={busy || value.trim() === ""}>
        {asking.use === "copy" ? "Copy" : "Launch"}
      </button>
      <button type="button" onClick={() => useStore.setState({ asking: null })}>
        Cancel
      </button>
    </form>
  );
}
