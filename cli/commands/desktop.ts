// `reach desktop`: the desktop app. `--headless` (or no Electron binary) serves it on
// 127.0.0.1 for a browser instead; `--local` first brings up a local broker and signs
// the app in to it, so a new user reaches a connect button within a minute.
import { homedir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { integer, onShutdown } from "../options.js";

interface DesktopFlags {
  headless?: boolean;
  local?: boolean;
  port: number;
  brokerPort: number;
  dataDir: string;
}

export function registerDesktopCommand(program: Command): void {
  program
    .command("desktop")
    .description("Run the desktop app (tray + window), or serve it headless for a browser.")
    .option("--headless", "serve the app on 127.0.0.1 for a browser instead of opening a window")
    .option("--local", "start a local broker (127.0.0.1 only) and sign the app in to it")
    .option("--port <port>", "headless mode's port", integer("--port"), 29999)
    .option(
      "--broker-port <port>",
      "the local broker's port (with --local)",
      integer("--broker-port"),
      29090,
    )
    .option(
      "--data-dir <dir>",
      "where the app keeps its state",
      join(homedir(), ".reach", "desktop"),
    )
    .action(async (flags: DesktopFlags) => {
      // Loaded here, not at the top: `reach agent` and `reach broker` should not carry
      // the desktop app's modules in memory.
      const { startHeadlessApp } = await import("../../main/headless/start-headless-app.js");
      const { electronUnavailableReason, launchElectron } = await import(
        "../../main/launcher/electron-launcher.js"
      );
      const { startLocalStack } = await import("../local-stack.js");
      const stops: (() => Promise<void>)[] = [];
      onShutdown(async () => {
        for (const stop of stops.reverse()) await stop();
      });
      const local = flags.local ? await startLocalStack({ port: flags.brokerPort }) : null;
      if (local) {
        stops.push(() => local.stop());
        process.stdout.write(`Local broker on ${local.apiUrl} (profile "${local.profile}")\n`);
      }
      const reason = flags.headless ? null : await electronUnavailableReason();
      if (!flags.headless && reason === null) {
        const app = await launchElectron({ dataDir: flags.dataDir, signInProfile: local?.profile });
        stops.push(() => app.stop());
        return;
      }
      if (reason)
        process.stdout.write(`No desktop window: ${reason} Serving the app headless instead.\n`);
      const app = await startHeadlessApp({ dataDir: flags.dataDir, port: flags.port });
      stops.push(() => app.close());
      if (local && !app.core.snapshot().session.signedIn) {
        const signedIn = await app.core.importProfile({ name: local.profile });
        if (!signedIn.ok)
          process.stderr.write(
            `Could not sign in to the local broker: ${signedIn.error.message}\n`,
          );
      }
      process.stdout.write(`Reach is running headless. Open ${app.link}\n`);
      for (const link of app.lanLinks) process.stdout.write(`From the LAN: ${link}\n`);
    });
}
