// What a click on a tray item does: the action (data, from trayMenu) becomes core calls,
// and the two things only the shell can do (show its window, quit the app) are handed
// back to it. Free of Electron, so it is tested without one.
import type { DesktopCore } from "./desktop-core.js";
import type { TrayAction } from "./tray-menu.js";

/** The parts of the core a tray action uses. */
export type TrayCore = Pick<
  DesktopCore,
  | "snapshot"
  | "connect"
  | "copyText"
  | "openExternal"
  | "copyOnDemand"
  | "launchOnDemand"
  | "disconnect"
  | "disconnectAll"
  | "switchAccount"
  | "stop"
>;

/** What the host does itself. */
export interface TrayShell {
  showWindow(): void;
  quit(): void;
}

export async function runTrayAction(
  core: TrayCore,
  shell: TrayShell,
  action: TrayAction,
): Promise<void> {
  const find = (id: string) => core.snapshot().connections.find((c) => c.id === id);
  switch (action.kind) {
    case "connect":
      await core.connect({ serviceId: action.serviceId, hostIP: action.hostIP });
      return;
    case "copy": {
      const connection = find(action.connectionId);
      if (connection) await core.copyText({ text: connection.address });
      return;
    }
    case "open": {
      const connection = find(action.connectionId);
      if (connection) await core.openExternal({ url: connection.url });
      return;
    }
    case "copy-on-demand":
    case "launch-on-demand": {
      if (!core.snapshot().onDemand.some((v) => v.id === action.id)) return;
      const use = action.kind === "copy-on-demand" ? core.copyOnDemand : core.launchOnDemand;
      const outcome = await use.call(core, { id: action.id });
      // A menu cannot ask for a username: the window, which can, is shown instead.
      if (outcome.ok && !outcome.value.done) shell.showWindow();
      return;
    }
    case "disconnect":
      await core.disconnect({ connectionId: action.connectionId });
      return;
    case "disconnect-all":
      await core.disconnectAll();
      return;
    case "switch-account":
      await core.switchAccount({ profile: action.profile });
      return;
    case "show-window":
      shell.showWindow();
      return;
    case "quit":
      // The listeners close with the process anyway; quitting need not wait for them.
      void core.stop();
      shell.quit();
  }
}
