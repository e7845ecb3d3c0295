// A Windows service for `reach broker` or `reach agent`, through WinSW (github.com/winsw/winsw,
// MIT, the wrapper Jenkins ships its Windows service with). node.exe cannot be registered
// with `sc.exe create` directly: a service binary must answer the Service Control Manager,
// which node does not, so Windows kills it after 30 s (error 1053). WinSW answers for it,
// restarts it on failure and keeps its logs. WinSW 2.x reads <name>.xml beside <name>.exe.
import { type ServiceDefinition, serviceName } from "./definition.js";
import { windowsCommandLine, xmlEscape } from "./quote.js";

export function winswConfig(definition: ServiceDefinition): string {
  const name = serviceName(definition.role);
  const env = definition.credentialsFile
    ? [`  <env name="REACH_CREDENTIALS" value="${xmlEscape(definition.credentialsFile)}"/>`]
    : [];
  const args = [definition.script, definition.role, ...definition.args];
  return [
    "<!-- Written by `reach install`; run install-*.cmd beside it as an administrator. -->",
    "<service>",
    `  <id>${name}</id>`,
    `  <name>Reach ${definition.role}</name>`,
    `  <description>Reach ${definition.role}, started at boot.</description>`,
    `  <executable>${xmlEscape(definition.node)}</executable>`,
    `  <arguments>${xmlEscape(windowsCommandLine(args))}</arguments>`,
    `  <workingdirectory>${xmlEscape(definition.dataDir)}</workingdirectory>`,
    "  <startmode>Automatic</startmode>",
    "  <delayedAutoStart>true</delayedAutoStart>",
    '  <onfailure action="restart" delay="5 sec"/>',
    '  <onfailure action="restart" delay="30 sec"/>',
    "  <resetfailure>1 hour</resetfailure>",
    // An unprivileged built-in account: no password to keep, no rights beyond its data dir.
    "  <serviceaccount>",
    "    <domain>NT AUTHORITY</domain>",
    "    <user>LocalService</user>",
    "  </serviceaccount>",
    ...env,
    `  <logpath>${xmlEscape(definition.dataDir)}</logpath>`,
    '  <log mode="roll-by-size"/>',
    "</service>",
    "",
  ].join("\r\n");
}

/** %-signs are variables in a .cmd file; doubled they stand for themselves. */
function cmdPath(path: string): string {
  return `"${path.replace(/%/g, "%%")}"`;
}

/** Makes the data dir LocalService's, then installs and starts the service with WinSW. */
export function winswInstallScript(definition: ServiceDefinition): string {
  const name = serviceName(definition.role);
  return [
    "@echo off",
    `rem Installs Reach ${definition.role} as a Windows service. Needs WinSW 2.x saved as ${name}.exe`,
    "rem beside this script (https://github.com/winsw/winsw/releases), and an administrator.",
    `if not exist "%~dp0${name}.exe" (echo Save WinSW-x64.exe as %~dp0${name}.exe first. & exit /b 1)`,
    `if not exist ${cmdPath(definition.dataDir)} mkdir ${cmdPath(definition.dataDir)} || exit /b 1`,
    `icacls ${cmdPath(definition.dataDir)} /grant "NT AUTHORITY\\LocalService:(OI)(CI)M" >nul || exit /b 1`,
    `"%~dp0${name}.exe" install || exit /b 1`,
    `"%~dp0${name}.exe" start`,
    "",
  ].join("\r\n");
}

export function winswUninstallScript(definition: ServiceDefinition): string {
  const name = serviceName(definition.role);
  return [
    "@echo off",
    `rem Stops and removes the Reach ${definition.role} service; its data dir stays.`,
    `"%~dp0${name}.exe" stop`,
    `"%~dp0${name}.exe" uninstall`,
    "",
  ].join("\r\n");
}
