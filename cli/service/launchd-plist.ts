// A launchd daemon (/Library/LaunchDaemons) for `reach broker` or `reach agent`: started at
// boot (RunAtLoad), started again whenever it exits (KeepAlive), as UserName, with its
// output in log files. ProgramArguments is an array, so no shell quoting is involved: each
// flag is one XML-escaped <string>.
import { commandLine, launchdLabel, type ServiceDefinition } from "./definition.js";
import { xmlEscape } from "./quote.js";

export function launchdLogPath(definition: ServiceDefinition): string {
  return `/usr/local/var/log/reach-${definition.role}.log`;
}

export function launchdPlist(definition: ServiceDefinition): string {
  const string = (value: string) => `<string>${xmlEscape(value)}</string>`;
  const key = (name: string) => `<key>${xmlEscape(name)}</key>`;
  const environment: [string, string][] = [["HOME", definition.dataDir]];
  if (definition.credentialsFile)
    environment.push(["REACH_CREDENTIALS", definition.credentialsFile]);
  const log = launchdLogPath(definition);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    `<!-- Written by \`reach ${definition.role} install\`; \`reach ${definition.role} uninstall\` removes it. -->`,
    '<plist version="1.0">',
    "<dict>",
    `  ${key("Label")}${string(launchdLabel(definition.role))}`,
    `  ${key("ProgramArguments")}`,
    "  <array>",
    ...commandLine(definition).map((word) => `    ${string(word)}`),
    "  </array>",
    `  ${key("RunAtLoad")}<true/>`,
    `  ${key("KeepAlive")}<true/>`,
    // launchd's own backoff: at most one start per this many seconds.
    `  ${key("ThrottleInterval")}<integer>5</integer>`,
    ...(definition.user ? [`  ${key("UserName")}${string(definition.user)}`] : []),
    `  ${key("WorkingDirectory")}${string(definition.dataDir)}`,
    `  ${key("EnvironmentVariables")}`,
    "  <dict>",
    ...environment.map(([name, value]) => `    ${key(name)}${string(value)}`),
    "  </dict>",
    `  ${key("StandardOutPath")}${string(log)}`,
    `  ${key("StandardErrorPath")}${string(log)}`,
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}
