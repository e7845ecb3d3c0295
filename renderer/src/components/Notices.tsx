// Notifications shown in the page (headless mode has no system notifications): each until
// dismissed, the newest last, with the core's button if it sent one ("Connect again").
import { X } from "lucide-react";
import type { NoticeAction } from "../../../common/desktop-api.js";
import { type Notice, useStore } from "../store.js";

export function Notices() {
  const notices = useStore((s) => s.notices);
  const dismiss = useStore((s) => s.dismissNotice);
  const call = useStore((s) => s.call);
  if (notices.length === 0) return null;

  const act = async (notice: Notice, action: NoticeAction) => {
    const result =
      action.kind === "connect"
        ? await call("connect", { serviceId: action.serviceId, hostIP: action.hostIP })
        : await call("startOnDemand", { id: action.id });
    if (result.ok) dismiss(notice.key);
  };

  return (
    <ul className="notices" aria-label="Notifications">
      {notices.map((notice) => (
        // The status sits inside the item: the list keeps list items only (axe's "list").
        <li key={notice.key}>
          <div className="notice" role="status">
            <span>
              <strong>{notice.title}</strong> {notice.body}
            </span>
            <span className="notice-actions">
              {notice.action && (
                <button type="button" onClick={() => notice.action && act(notice, notice.action)}>
                  {notice.action.label}
                </button>
              )}
              <button
                type="button"
                className="icon-button"
                onClick={() => dismiss(notice.key)}
                aria-label="Dismiss"
              >
                <X aria-hidden="true" size={14} />
              </button>
            </span>
          </div>
        </li>
      ))}
    </ul>
  );
}
