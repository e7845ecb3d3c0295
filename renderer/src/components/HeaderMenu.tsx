// One menu button in the header for what is needed now and then: the account switcher,
// Settings and Sign out. A disclosure (a button that shows a group), so Tab reaches every
// item and Escape closes it; no arrow-key menu to learn.
import { LogOut, Menu, Settings } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";
import { useStore } from "../store.js";
import { AccountSwitcher } from "./AccountSwitcher.js";

export function HeaderMenu() {
  const signedIn = useStore((s) => s.desktop?.session.signedIn ?? false);
  const page = useStore((s) => s.page);
  const call = useStore((s) => s.call);
  const showPage = useStore((s) => s.showPage);
  const [open, setOpen] = useState(false);
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    // A click elsewhere closes it, as menus do; clicks inside keep it open (the switcher).
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [open]);

  const pick = (action: () => void) => {
    setOpen(false);
    action();
  };

  return (
    <div className="header-menu" ref={root}>
      <button
        ref={button}
        type="button"
        className="icon-button"
        aria-label="Menu"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen(!open)}
      >
        <Menu aria-hidden="true" size={16} />
      </button>
      <div id={id} className="menu-popover" hidden={!open}>
        <AccountSwitcher />
        <button
          type="button"
          aria-pressed={page === "settings"}
          onClick={() => pick(() => showPage(page === "settings" ? "connections" : "settings"))}
        >
          <Settings aria-hidden="true" size={14} />
          Settings
        </button>
        {signedIn && (
          <button type="button" onClick={() => pick(() => void call("signOut"))}>
            <LogOut aria-hidden="true" size={14} />
            Sign out
          </button>
        )}
      </div>
    </div>
  );
}
