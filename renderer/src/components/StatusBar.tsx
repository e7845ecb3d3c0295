// The header: the app's name and account, Refresh and the one menu (accounts, Settings,
// Sign out); below it where the secret is kept, how live the state is, and the latest
// error and notices.
import { RefreshCw, TriangleAlert, WifiOff, X } from "lucide-react";
import { retryWords } from "../lib/retry-words.js";
import { useNow } from "../lib/use-now.js";
import { useStore } from "../store.js";
import { HeaderMenu } from "./HeaderMenu.js";
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
      <div className="header-row">
        <div className="account">
          <strong className="brand">Reach</strong>
          {desktop.session.signedIn && <span className="email">{desktop.session.email}</span>}
        </div>
        {signedIn && (
          <button
            type="button"
            className="icon-button"
            aria-label="Refresh"
            title="Refresh"
            onClick={() => call("refresh")}
          >
            <RefreshCw aria-hidden="true" size={16} />
          </button>
        )}
        <HeaderMenu />
      </div>
      {!desktop.vault.encrypted && signedIn && (
        <p className="vault-note" role="note">
          {desktop.vault.note}
        </p>
      )}
      {desktop.live.mode === "polling" && desktop.live.note && (
        <p className="live-note with-icon" role="note">
          <WifiOff aria-hidden="true" size={14} />
          <span>
            {desktop.session.signedIn ? `Broker ${desktop.session.apiUrl}: ` : ""}
            {desktop.live.note} <RetryCountdown nextSyncAt={desktop.live.nextSyncAt} />
          </span>
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
          <span className="with-icon">
            <TriangleAlert aria-hidden="true" size={14} />
            {problem.message}
          </span>
          <button type="button" className="icon-button" onClick={dismiss} aria-label="Dismiss">
            <X aria-hidden="true" size={14} />
          </button>
        </div>
      )}
      <Notices />
    </header>
  );
}

/** Re-renders each second while the broker is being retried, so the count moves. */
function RetryCountdown({ nextSyncAt }: { nextSyncAt: number | null }) {
  const now = useNow();
  const words = retryWords(nextSyncAt, now);
  return words ? <span className="retry">({words})</span> : null;
}
