// The account line, where the secret is kept, and the latest error or notice.
import { useStore } from "../store.js";

export function StatusBar() {
  const desktop = useStore((s) => s.desktop);
  const error = useStore((s) => s.error);
  const notice = useStore((s) => s.notice);
  const call = useStore((s) => s.call);
  const dismiss = useStore((s) => s.dismissError);
  if (!desktop) return null;
  const problem = error ?? desktop.problem;
  return (
    <header className="status">
      <div className="account">
        <strong>Reach</strong>
        {desktop.session.signedIn && (
          <>
            <span className="email">{desktop.session.email}</span>
            <button type="button" onClick={() => call("refresh")}>
              Refresh
            </button>
            <button type="button" onClick={() => call("signOut")}>
              Sign out
            </button>
          </>
        )}
      </div>
      {!desktop.vault.encrypted && desktop.session.signedIn && (
        <p className="vault-note" role="note">
          {desktop.vault.note}
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
      {notice && (
        <div className="notice" role="status">
          <span>{notice}</span>
          <button type="button" onClick={dismiss} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
    </header>
  );
}
