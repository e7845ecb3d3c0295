// Writes a service definition where the platform's service manager reads it and asks the
// manager to start it at boot; or removes it again. The definition is rendered in full
// before the first file is touched, and each file is written to a temporary and renamed.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomically } from "../../common/fs/atomic-write.js";
import {
  defaultDefinitionDir,
  definitionFiles,
  definitionPath,
  launchdLabel,
  type ServiceDefinition,
  type ServicePlatform,
  type ServiceRole,
  serviceName,
} from "./definition.js";
import { launchdPlist } from "./launchd-plist.js";
import { systemdUnit } from "./systemd-unit.js";
import { winswConfig, winswInstallScript, winswUninstallScript } from "./winsw-config.js";

export interface RenderedFile {
  path: string;
  contents: string;
}

export function renderDefinition(
  platform: ServicePlatform,
  definition: ServiceDefinition,
  dir: string,
): RenderedFile[] {
  const files = definitionFiles(platform, definition.role);
  const contents =
    platform === "linux"
      ? [systemdUnit(definition)]
      : platform === "darwin"
        ? [launchdPlist(definition)]
        : [
            winswConfig(definition),
            winswInstallScript(definition),
            winswUninstallScript(definition),
          ];
  return files.map((file, i) => ({
    path: definitionPath(dir, file, platform),
    contents: contents[i] as string,
  }));
}

export interface PlaceOptions {
  platform: ServicePlatform;
  /** Where the definition goes; the platform's own directory unless tests or users say. */
  dir: string;
  say: (line: string) => void;
}

/** sd_booted(3)'s test: systemd is the running init. Not so in most containers. */
function systemdRunning(): boolean {
  return existsSync("/run/systemd/system");
}

/** The service manager reads only its own directory; elsewhere it is the operator's to link. */
function managerReads(options: PlaceOptions): boolean {
  return options.dir === defaultDefinitionDir(options.platform);
}

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: "inherit" });
}

/**
 * The first directory on the way to `path` that other users cannot enter, or the file itself
 * when they cannot read it: systemd's dynamic user is such an other user.
 */
function hiddenFromOthers(path: string): string | undefined {
  let dir = dirname(path);
  const blocked: string[] = [];
  if ((statSync(path).mode & 0o004) === 0) blocked.push(path);
  while (true) {
    if ((statSync(dir).mode & 0o001) === 0) blocked.push(dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return blocked.at(-1);
}

export async function installService(
  definition: ServiceDefinition,
  options: PlaceOptions,
): Promise<void> {
  const files = renderDefinition(options.platform, definition, options.dir);
  for (const file of files) await writeFileAtomically(file.path, file.contents, 0o644);
  for (const file of files) options.say(`Wrote ${file.path}`);
  if (options.platform === "linux") {
    for (const path of [definition.node, definition.script]) {
      const hidden = hiddenFromOthers(path);
      if (hidden) {
        options.say(
          `Warning: the service's user cannot reach ${path} (${hidden} is closed to other users); install node and reach somewhere world-readable, such as /usr/local or /opt.`,
        );
      }
    }
  }
  const name = serviceName(definition.role);
  if (!managerReads(options)) {
    options.say(
      `Not starting it: the service manager does not read ${options.dir}; without --unit-dir, install writes where it does.`,
    );
    return;
  }
  switch (options.platform) {
    case "linux":
      if (!systemdRunning()) {
        options.say(
          `systemd is not running here (a container?), so ${name} was written but not enabled.`,
        );
        return;
      }
      run("systemctl", ["daemon-reload"]);
      run("systemctl", ["enable", "--now", `${name}.service`]);
      options.say(`Enabled and started ${name}.service; \`journalctl -u ${name}\` shows its log.`);
      return;
    case "darwin":
      run("launchctl", ["bootstrap", "system", files[0]?.path as string]);
      options.say(`Loaded ${launchdLabel(definition.role)} into launchd; it starts at boot.`);
      return;
    case "win32":
      options.say(`Run ${files[1]?.path} as an administrator to create and start the service.`);
      return;
  }
}

export async function uninstallService(role: ServiceRole, options: PlaceOptions): Promise<void> {
  const paths = definitionFiles(options.platform, role).map((file) =>
    definitionPath(options.dir, file, options.platform),
  );
  const name = serviceName(role);
  if (!paths.some((path) => existsSync(path))) {
    options.say(`Nothing to remove: no ${paths[0]}.`);
    return;
  }
  if (managerReads(options)) {
    if (options.platform === "linux" && systemdRunning()) {
      run("systemctl", ["disable", "--now", `${name}.service`]);
    } else if (options.platform === "darwin") {
      run("launchctl", ["bootout", `system/${launchdLabel(role)}`]);
    }
  }
  if (options.platform === "win32" && existsSync(paths[2] as string)) {
    run("cmd.exe", ["/c", paths[2] as string]);
  }
  for (const path of paths) await rm(path, { force: true });
  for (const path of paths) options.say(`Removed ${path}`);
  if (options.platform === "linux" && managerReads(options) && systemdRunning()) {
    run("systemctl", ["daemon-reload"]);
  }
  options.say(`The data dir is kept; remove it yourself to forget this ${role}.`);
}
