// Runs the desktop app headless: the core, a file vault in the data directory, the
// renderer built if needed, and the server that carries DesktopApi to a browser tab, on
// 127.0.0.1 or, when the settings say headlessLan, on every address.
import { join } from "node:path";
import type { DesktopEvent } from "../../common/desktop-api.js";
import { DesktopCore } from "../core/desktop-core.js";
import type { HostServices } from "../core/host-services.js";
import { SETTINGS_FILE, SettingsStore } from "../core/settings-store.js";
import { FileVault } from "../core/vault/file-vault.js";
import { type RunningHeadless, startHeadless } from "./headless-server.js";
import { ensureRendererBuilt } from "./renderer-build.js";

export interface HeadlessAppOptions {
  dataDir: string;
  port?: number;
  token?: string;
  credentialsPath?: string;
  /** Gather P2P candidates of on-demand connections on this address only (tests: loopback). */
  p2pBindAddress?: string;
  p2pWaitMs?: number;
  /** The built renderer to serve; default: renderer/ built into dist/renderer when stale. */
  rendererDir?: string;
}

export async function startHeadlessApp(
  options: HeadlessAppOptions,
): Promise<RunningHeadless & { core: DesktopCore }> {
  const rendererDir = options.rendererDir ?? (await ensureRendererBuilt());
  let server: RunningHeadless | undefined;
  // No clipboard, browser, terminal or notification centre on a server: the page does
  // these itself (a launch command is shown for the user to copy).
  const host: HostServices = {
    copyText: async () => false,
    openExternal: async () => false,
    runInTerminal: async () => false,
    notify: (title, body, action) =>
      server?.broadcast({ type: "notice", title, body, action } satisfies DesktopEvent),
    // A server has no login session to start with; systemd or cron start headless mode.
    setOpenAtLogin: async () => false,
  };
  // Read before the core starts: where the server listens is fixed for this run, and the
  // core says so when the setting is changed (DesktopState.settingsNote).
  const lan = (await new SettingsStore(join(options.dataDir, SETTINGS_FILE)).load()).settings
    .headlessLan;
  const core = new DesktopCore({
    vault: new FileVault(join(options.dataDir, "credentials.json")),
    host,
    dataDir: options.dataDir,
    credentialsPath: options.credentialsPath || undefined,
    p2pBindAddress: options.p2pBindAddress,
    p2pWaitMs: options.p2pWaitMs,
    headlessLanNow: lan,
  });
  await core.start();
  server = await startHeadless({
    core,
    rendererDir,
    port: options.port,
    token: options.token,
    lan,
  });
  const closeServer = server.close;
  return Object.assign(server, {
    core,
    async close() {
      await core.stop();
      await closeServer();
    },
  });
}
