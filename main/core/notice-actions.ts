// What a notification's button does ("Connect again"), run on the core by
// the Electron shell when a notification is clicked (the page's notice button makes the
// same calls through the DesktopApi).
import type { DesktopApi, NoticeAction } from "../../common/desktop-api.js";
import type { Result } from "../../common/result.js";

export type NoticeCore = Pick<DesktopApi, "connect" | "startOnDemand">;

export async function runNoticeAction(
  core: NoticeCore,
  action: NoticeAction,
): Promise<Result<unknown>> {
  switch (action.kind) {
    case "connect":
      return core.connect({ serviceId: action.serviceId, hostIP: action.hostIP });
    case "startOnDemand":
      return core.startOnDemand({ id: action.id });
  }
}
