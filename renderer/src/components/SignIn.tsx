// Sign in with a broker URL and an API key pair, or import a profile from ~/.reach/credentials.
import { type FormEvent, useEffect, useState } from "react";
import { useStore } from "../store.js";
import { Field } from "./Field.js";

export function SignIn() {
  const call = useStore((s) => s.call);
  const busy = useStore((s) => s.busy);
  const [apiUrl, setApiUrl] = useState("http://127.0.0.1:29090/graphql/v1");
  const [accessKeyId, setKey] = useState("");
  const [secretAccessKey, setSecret] = useState("");
  const [profiles, setProfiles] = useState<string[]>([]);

  useEffect(() => {
    void call("listProfiles").then((r) => r.ok && setProfiles(r.value));
  }, [call]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await call("signIn", { apiUrl, accessKeyId, secretAccessKey });
    // The secret leaves the page's memory as soon as the core has it.
    if (result.ok) setSecret("");
  };

  return (
    <section className="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in to your broker</h1>
      <form onSubmit={submit}>
        <Field
          label="Broker API URL"
          value={apiUrl}
          onChange={setApiUrl}
          required
          type="url"
          name="apiUrl"
        />
        <Field
          label="Access key ID"
          value={accessKeyId}
          onChange={setKey}
          required
          name="accessKeyId"
          autoComplete="username"
        />
        <Field
          label="Secret access key"
          value={secretAccessKey}
          onChange={setSecret}
          required
          type="password"
          name="secretAccessKey"
          autoComplete="current-password"
        />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {profiles.length > 0 && (
        <div className="profiles">
          <h2>Or import a profile</h2>
          {profiles.map((name) => (
            <button key={name} type="button" onClick={() => call("importProfile", { name })}>
              Import “{name}”
            </button>
          ))}
        </div>
      )}
    </section>
  );
}
