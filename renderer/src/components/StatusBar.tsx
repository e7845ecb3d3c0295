// The account line (with the switcher and Settings), where the secret is kept, how live
// the state is, and the latest error and notices.
import { useStore } from "../store.js";
import { AccountSwitcher } from "./AccountSwitcher.js";
import { Notices } from "./Notices.js";

export function StatusBar() {
  const desktop = useStore((s) => s.desktop);
  const error = useStore((s) => s.error);
  const page = useStore((s) => s.page);
  const call = useStore((s) => s.call);
  const showPage = useStore((s) => s.showPage);
  const dismiss = useStore((s) => s.dismissError);
  if (!desktop) return null;
  const problem = error ?? desktop.problem;
  const signedIn = desktop.session.signedIn;
  return (
    <header className="status">
      <div className="account">
        <strong>Reach</strong>
        {desktop.session.signedIn && <span className="email">{desktop.session.email}</span>}
      </div>
      <div className="account-actions">
        <AccountSwitcher />
        {signedIn && (
          <button type="button" onClick={() => call("refresh")}>
            Refresh
          </button>
        )}
        <button
          type="button"
          aria-pressed={page === "settings"}
          onClick={() => showPage(page === "settings" ? "connections" : "settings")}
        >
          Settings
        </button>
        {signedIn && (
          <button type="button" onClick={() => call("signOut")}>
            Sign out
          </button>
        )}
      </div>
      {!desktop.vault.encrypted && signedIn && (
        <p className="vault-note" role="note">
          {desktop.vault.note}
        </p>
      )}
      {desktop.live.mode === "polling" && desktop.live.note && (
        <p className="live-note" role="note">
          {desktop.live.note}
        </p>
      )}
      {desktop.settingsProblem && page !== "settings" && (
        <p className="settings-note" role="note">
          {desktop.settingsProblem}{" "}
          <button type="button" onClick={() => showPage("settings")}>
            Open settings
          </button>
        </p>
      )}
      {problem && (
        <div className="error" role="alert">
          <span>{problem.message}</span>
          <button type="button" onClick={dismiss} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      <Notices />
    </header>
  );
}
