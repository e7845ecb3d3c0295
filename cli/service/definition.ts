// What a service runs, independent of the service manager: `node bin/reach.js <role> …`
// with the operator's flags, and where each platform keeps its data and definition.
import { join, win32 } from "node:path";

export type ServiceRole = "broker" | "agent";
export type ServicePlatform = "linux" | "darwin" | "win32";

export interface ServiceDefinition {
  role: ServiceRole;
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of bin/reach.js. */
  script: string;
  /** The flags after `reach <role>`, the data dir flag included. */
  args: string[];
  /** Where the service keeps its data (the path --data-dir points at). */
  dataDir: string;
  /** The agent's credentials file, when it signs with a profile rather than --key/--secret. */
  credentialsFile?: string;
  /** launchd's UserName (macOS only). */
  user?: string;
}

/** The name every platform knows the service by: reach-broker, reach-agent. */
export function serviceName(role: ServiceRole): string {
  return `reach-${role}`;
}

export function launchdLabel(role: ServiceRole): string {
  return `reach.${role}`;
}

/** The data dir the service manager gives the service (systemd: its StateDirectory). */
export function serviceDataDir(platform: ServicePlatform, role: ServiceRole): string {
  switch (platform) {
    case "linux":
      return `/var/lib/${serviceName(role)}`;
    case "darwin":
      return `/usr/local/var/reach/${role}`;
    case "win32":
      return win32.join(process.env.ProgramData ?? "C:\\ProgramData", "Reach", role);
  }
}

/** Where definitions are written when no --unit-dir is given. */
export function defaultDefinitionDir(platform: ServicePlatform): string {
  switch (platform) {
    case "linux":
      return "/etc/systemd/system";
    case "darwin":
      return "/Library/LaunchDaemons";
    case "win32":
      return win32.join(process.env.ProgramData ?? "C:\\ProgramData", "Reach", "service");
  }
}

/** The service's whole command line: node, the script, the role, the flags. */
export function commandLine(definition: ServiceDefinition): string[] {
  return [definition.node, definition.script, definition.role, ...definition.args];
}

/** The file(s) a platform's definition consists of, by name inside the definition dir. */
export function definitionFiles(platform: ServicePlatform, role: ServiceRole): string[] {
  const name = serviceName(role);
  switch (platform) {
    case "linux":
      return [`${name}.service`];
    case "darwin":
      return [`${launchdLabel(role)}.plist`];
    case "win32":
      return [`${name}.xml`, `install-${name}.cmd`, `uninstall-${name}.cmd`];
  }
}

export function definitionPath(dir: string, file: string, platform: ServicePlatform): string {
  return platform === "win32" ? win32.join(dir, file) : join(dir, file);
}
