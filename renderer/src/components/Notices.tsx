// Notifications shown in the page (headless mode has no system notifications): each until
// dismissed, the newest last.
import { useStore } from "../store.js";

export function Notices() {
  const notices = useStore((s) => s.notices);
  const dismiss = useStore((s) => s.dismissNotice);
  if (notices.length === 0) return null;
  return (
    <ul className="notices" aria-label="Notifications">
      {notices.map((notice) => (
        <li key={notice.key} className="notice" role="status">
          <span>
            <strong>{notice.title}</strong> {notice.body}
          </span>
          <button type="button" onClick={() => dismiss(notice.key)} aria-label="Dismiss">
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
