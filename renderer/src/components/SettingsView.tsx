// The app's settings: open at login, which notifications, what a new connection starts
// with, whether headless mode may be reached from the LAN, and the terminal Launch uses.
// Saved as a whole; the core checks and writes the file, and says why when it could not
// read it (a damaged file: defaults apply until this form saves).
import { type FormEvent, useState } from "react";
import type { DesktopSettings } from "../../../common/desktop-settings.js";
import { ROUTES, type Route } from "../../../common/on-demand.js";
import { ROUTE_NAMES } from "../../../common/on-demand-words.js";
import { useStore } from "../store.js";
import { Field } from "./Field.js";

export function SettingsView({ settings }: { settings: DesktopSettings }) {
  const call = useStore((s) => s.call);
  const busy = useStore((s) => s.busy);
  const problem = useStore((s) => s.desktop?.settingsProblem ?? null);
  const note = useStore((s) => s.desktop?.settingsNote ?? null);
  const showPage = useStore((s) => s.showPage);
  const [draft, setDraft] = useState(settings);
  const [minutes, setMinutes] = useState(String(settings.defaultIdleTimeoutMinutes));
  const [terminal, setTerminal] = useState(settings.terminal ?? "");
  const [saved, setSaved] = useState(false);
  const minutesValid = /^\d{1,5}$/.test(minutes.trim()) && Number(minutes) <= 7 * 24 * 60;
  const notify = (key: keyof DesktopSettings["notifications"], on: boolean) =>
    setDraft({ ...draft, notifications: { ...draft.notifications, [key]: on } });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!minutesValid) return;
    const result = await call("setSettings", {
      ...draft,
      defaultIdleTimeoutMinutes: Number(minutes.trim()),
      terminal: terminal.trim() || null,
    });
    setSaved(result.ok);
  };

  return (
    <section className="settings" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      {problem && (
        <p className="error settings-problem" role="alert">
          {problem}
        </p>
      )}
      <form onSubmit={submit} onChange={() => setSaved(false)}>
        <Switch
          label="Open Reach when I log in"
          checked={draft.openAtLogin}
          onChange={(openAtLogin) => setDraft({ ...draft, openAtLogin })}
        />
        <fieldset>
          <legend>Notifications</legend>
          <Switch
            label="A connection expires in 10 minutes"
            checked={draft.notifications.expiring}
            onChange={(on) => notify("expiring", on)}
          />
          <Switch
            label="A connection expired or failed"
            checked={draft.notifications.ended}
            onChange={(on) => notify("ended", on)}
          />
          <Switch
            label="A device with open connections went offline or came back"
            checked={draft.notifications.devices}
            onChange={(on) => notify("devices", on)}
          />
        </fieldset>
        <label>
          Default routing
          <select
            value={draft.defaultRoute}
            onChange={(e) => setDraft({ ...draft, defaultRoute: e.target.value as Route })}
            name="defaultRoute"
          >
            {ROUTES.map((route) => (
              <option key={route} value={route}>
                {ROUTE_NAMES[route]}
              </option>
            ))}
          </select>
          <small className="hint">Web services start on the public proxy whatever this says.</small>
        </label>
        <Field
          label="Default idle timeout (minutes)"
          value={minutes}
          onChange={setMinutes}
          inputMode="numeric"
          aria-invalid={!minutesValid}
          name="defaultIdleTimeout"
        >
          {!minutesValid && (
            <small className="invalid">Enter whole minutes from 0 (never) to 10080.</small>
          )}
        </Field>
        <Switch
          label="Headless mode may be reached from the LAN"
          help="Takes effect at next start; the link's token is still required."
          checked={draft.headlessLan}
          onChange={(headlessLan) => setDraft({ ...draft, headlessLan })}
        />
        <Field
          label="Terminal for Launch"
          value={terminal}
          onChange={setTerminal}
          placeholder="the system's default"
          name="terminal"
        >
          <small className="hint">A program and its arguments, e.g. gnome-terminal --</small>
        </Field>
        <div className="actions">
          <button type="submit" disabled={busy || !minutesValid}>
            Save settings
          </button>
          <button type="button" onClick={() => showPage("connections")}>
            Back
          </button>
          {saved && <span role="status">Saved.</span>}
        </div>
        {note && (
          <p className="hint" role="note">
            {note}
          </p>
        )}
      </form>
    </section>
  );
}

function Switch({
  label,
  help,
  checked,
  onChange,
}: {
  label: string;
  help?: string;
  checked: boolean;
  onChange(on: boolean): void;
}) {
  return (
    <label className="mode switch">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span>
        {label}
        {help && <small>{help}</small>}
      </span>
    </label>
  );
}
