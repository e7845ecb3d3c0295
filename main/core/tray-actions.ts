// What a click on a tray item does: the action (data, from trayMenu) becomes the same core
// calls the window makes, and what only the shell can do (show its window, quit the app,
// tell the user why an action failed) is handed back to it. Free of Electron, so it is
// tested without one.
import type { Result } from "../../common/result.js";
import type { DesktopCore } from "./desktop-core.js";
import type { TrayAction } from "./tray-menu.js";

/** The parts of the core a tray action uses. */
export type TrayCore = Pick<
  DesktopCore,
  | "snapshot"
  | "addOnDemand"
  | "startOnDemand"
  | "stopOnDemand"
  | "copyOnDemand"
  | "launchOnDemand"
  | "copyText"
  | "openExternal"
  | "disconnect"
  | "disconnectAll"
  | "switchAccount"
  | "stop"
>;

/** What the host does itself. */
export interface TrayShell {
  showWindow(): void;
  quit(): void;
  /** A tray action failed: the menu has nowhere to say why, a notification does. */
  notify?(title: string, body: string): void;
}

export async function runTrayAction(
  core: TrayCore,
  shell: TrayShell,
  action: TrayAction,
): Promise<void> {
  const find = (id: string) => core.snapshot().connections.find((c) => c.id === id);
  const report = (result: Result<unknown>) => {
    if (!result.ok) shell.notify?.("Reach could not do that", result.error.message);
  };
  switch (action.kind) {
    case "connect-service": {
      const { settings } = core.snapshot();
      const added = await core.addOnDemand({
        serviceId: action.serviceId,
        route: action.route,
        idleTimeout: settings.defaultIdleTimeoutMinutes * 60,
      });
      report(added);
      if (added.ok && added.value.route === "public") {
        report(await core.startOnDemand({ id: added.value.id }));
      }
      return;
    }
    case "start-on-demand":
      report(await core.startOnDemand({ id: action.id }));
      return;
    case "stop-on-demand":
      report(await core.stopOnDemand({ id: action.id }));
      return;
    case "copy-on-demand":
    case "launch-on-demand": {
      const use = action.kind === "copy-on-demand" ? core.copyOnDemand : core.launchOnDemand;
      const outcome = await use.call(core, { id: action.id });
      report(outcome);
      // A template needs what only the window can ask for (a username): it asks there.
      if (outcome.ok && !outcome.value.done) shell.showWindow();
      return;
    }
    case "copy": {
      const connection = find(action.connectionId);
      if (connection) await core.copyText({ text: connection.address });
      return;
    }
    case "open": {
      const connection = find(action.connectionId);
      if (connection) report(await core.openExternal({ url: connection.url }));
      return;
    }
    case "disconnect":
      report(await core.disconnect({ connectionId: action.connectionId }));
      return;
    case "disconnect-all":
      report(await core.disconnectAll());
      return;
    case "switch-account":
      report(await core.switchAccount({ profile: action.profile }));
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
