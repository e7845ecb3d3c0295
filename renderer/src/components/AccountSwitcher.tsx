// The profiles of ~/.reach/credentials, the signed-in one marked: picking another signs in
// with it without a restart.
import { useStore } from "../store.js";

export function AccountSwitcher() {
  const accounts = useStore((s) => s.desktop?.accounts);
  const call = useStore((s) => s.call);
  const busy = useStore((s) => s.busy);
  if (!accounts || accounts.profiles.length === 0) return null;
  // Signed in by key (no profile): the first option says so rather than naming a profile.
  const active = accounts.active ?? "";
  return (
    <label className="account-switcher">
      <span className="menu-label">Account</span>
      <select
        aria-label="Account"
        value={active}
        disabled={busy}
        onChange={(e) => e.target.value && call("switchAccount", { profile: e.target.value })}
      >
        {accounts.active === null && <option value="">signed in by key</option>}
        {accounts.profiles.map((profile) => (
          <option key={profile} value={profile}>
            {profile === accounts.active ? `${profile} (active)` : profile}
          </option>
        ))}
      </select>
    </label>
  );
}
