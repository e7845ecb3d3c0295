// `reach broker install|uninstall` and `reach agent install|uninstall|status`: the broker and
// the agent as services that start at boot. The flags are parsed by a private copy of the
// real command, so a flag the command would refuse is refused here, before anything is
// written, and the service runs exactly the flags that parse said were given.
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, type Option } from "commander";
import { parseServiceFlag } from "../../agent/service-flag.js";
import { defaultCredentialsPath } from "../../common/credentials-file.js";
import { messageOf } from "../../common/result.js";
import { resolveCredentials, SECRET_ENV } from "../credentials.js";
import {
  defaultDefinitionDir,
  type ServiceDefinition,
  type ServicePlatform,
  type ServiceRole,
  serviceDataDir,
} from "../service/definition.js";
import { installService, renderDefinition, uninstallService } from "../service/install.js";
import { parseApiList, parseTag, registerAgentCommand } from "./agent.js";
import { registerAgentStatusCommand } from "./agent-status.js";
import { brokerSettingsOf, registerBrokerCommand } from "./broker.js";

/**
 * bin/reach.js, which the service runs (it picks the build or the sources itself): found
 * upward from this module, which runs from cli/commands/ or from the build's
 * dist/node/cli/commands/.
 */
const REACH_SCRIPT = findReachScript(dirname(fileURLToPath(import.meta.url)));

function findReachScript(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const script = join(dir, "bin", "reach.js");
    if (existsSync(script)) return script;
    if (dirname(dir) === dir) throw new Error(`No bin/reach.js above ${from}.`);
  }
}

/** Flags naming files: made absolute, since the service does not start in this directory. */
const FILE_FLAGS = new Set(["--config", "--tls-cert", "--tls-key", "--acme-ca", "--ca"]);

const REGISTER: Record<ServiceRole, (program: Command) => void> = {
  broker: registerBrokerCommand,
  agent: registerAgentCommand,
};

interface InstallFlags {
  unitDir?: string;
  print?: boolean;
  platform: string;
}

export function registerServiceCommands(program: Command): void {
  // Without these, `reach broker install --listen X` would hand --listen to `reach broker`
  // itself: a command's options are looked for past its subcommand's name unless both the
  // program and the command stop at it. The program has no options of its own to move.
  program.enablePositionalOptions();
  for (const role of ["broker", "agent"] as const) {
    const command = program.commands.find((c) => c.name() === role);
    if (!command) throw new Error(`reach has no ${role} command to add install to.`);
    // `reach agent status --data-dir X`: the subcommand's flags are its own, not the agent's.
    command.enablePositionalOptions();
    registerInstall(command, role);
    registerUninstall(command, role);
  }
  const agent = program.commands.find((c) => c.name() === "agent") as Command;
  registerAgentStatusCommand(agent);
}

function platformOption(command: Command): Command {
  return command
    .option("--unit-dir <dir>", "write the definition here instead of the system's directory")
    .option(
      "--platform <linux|darwin|win32>",
      "the service manager to write for: systemd, launchd or a Windows service",
      process.platform,
    );
}

function registerInstall(parent: Command, role: ServiceRole): void {
  platformOption(
    parent
      .command("install")
      .description(
        `Install \`reach ${role}\` with the flags given after install as a service that starts at boot.`,
      )
      .argument("[flags...]", `flags for reach ${role}`)
      .allowUnknownOption()
      .option("--print", "print the definition instead of writing it"),
  ).action(async (_flags: string[], options: InstallFlags, command: Command) => {
    const platform = parsePlatform(options.platform);
    const dir = options.unitDir ? resolve(options.unitDir) : defaultDefinitionDir(platform);
    const definition = await definitionFor(role, command.args, platform).catch((error) => {
      throw new Error(`nothing was written: ${messageOf(error)}`);
    });
    if (options.print) {
      for (const file of renderDefinition(platform, definition, dir)) {
        process.stdout.write(`# ${file.path}\n${file.contents}`);
      }
      return;
    }
    await installService(definition, { platform, dir, say });
  });
}

function registerUninstall(parent: Command, role: ServiceRole): void {
  platformOption(
    parent.command("uninstall").description(`Stop, disable and remove the ${role} service.`),
  ).action(async (options: InstallFlags) => {
    const platform = parsePlatform(options.platform);
    const dir = options.unitDir ? resolve(options.unitDir) : defaultDefinitionDir(platform);
    await uninstallService(role, { platform, dir, say });
  });
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function parsePlatform(value: string): ServicePlatform {
  if (value === "linux" || value === "darwin" || value === "win32") return value;
  throw new Error(`--platform "${value}" is none of linux, darwin, win32.`);
}

/**
 * The service for `reach <role> <args>`: the args parsed by a copy of the command (its
 * own options and value parsers), checked as its action would, then written out again.
 */
export async function definitionFor(
  role: ServiceRole,
  args: readonly string[],
  platform: ServicePlatform,
): Promise<ServiceDefinition> {
  const { flags, given, command } = parseAsCommand(role, args);
  const dataDir = serviceDataDir(platform, role);
  if (given.some((option) => option.long === "--data-dir")) {
    throw new Error(
      `--data-dir: the service keeps its data in ${dataDir}, which the installer sets; leave the flag out.`,
    );
  }
  const serviceArgs = serialize(given, flags);
  for (let i = 0; i < serviceArgs.length; i++) {
    const path = serviceArgs[i + 1] as string;
    // A missing file would stop the service at every boot; better said now, once.
    if (FILE_FLAGS.has(serviceArgs[i] as string) && !existsSync(path)) {
      throw new Error(`${serviceArgs[i]} ${path}: no such file.`);
    }
  }
  const definition: ServiceDefinition = {
    role,
    node: process.execPath,
    script: REACH_SCRIPT,
    args: [...serviceArgs, "--data-dir", dataDir],
    dataDir,
  };
  if (role === "broker") await brokerSettingsOf(command, flags.config as string | undefined);
  else definition.credentialsFile = await checkAgentFlags(flags);
  if (platform === "darwin") definition.user = process.env.SUDO_USER ?? userInfo().username;
  return definition;
}

type Flags = Record<string, unknown>;

function parseAsCommand(
  role: ServiceRole,
  args: readonly string[],
): { flags: Flags; given: Option[]; command: Command } {
  const scratch = new Command()
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  REGISTER[role](scratch);
  const command = scratch.commands.find((c) => c.name() === role) as Command;
  let flags: Flags = {};
  command.action((parsed: Flags) => {
    flags = parsed;
  });
  try {
    scratch.parse([role, ...args], { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    throw new Error(error.message.replace(/^error: /, ""));
  }
  const given = command.options.filter(
    (option) => command.getOptionValueSource(option.attributeName()) === "cli",
  );
  return { flags, given, command };
}

/** The given options as flags again: one word per flag and per value, files absolute. */
function serialize(given: readonly Option[], flags: Flags): string[] {
  const words: string[] = [];
  for (const option of given) {
    const long = option.long as string;
    const value = flags[option.attributeName()];
    if (option.negate || typeof value === "boolean") {
      // --no-p2p gives false; a plain switch gives true. Either way the flag alone says it.
      words.push(long);
    } else if (Array.isArray(value)) {
      for (const item of value) words.push(long, String(item));
    } else {
      const text = String(value);
      words.push(long, FILE_FLAGS.has(long) && !isAbsolute(text) ? resolve(text) : text);
    }
  }
  return words;
}

/** Checks the agent's flags and credentials; the credentials file to hand over, if any. */
async function checkAgentFlags(flags: Flags): Promise<string | undefined> {
  const services = (flags.service as string[]).map(parseServiceFlag);
  if (new Set(services.map((s) => s.name)).size !== services.length) {
    throw new Error("Each --service needs a distinct name.");
  }
  (flags.tag as string[]).forEach(parseTag);
  if (flags.key && !flags.secret) {
    throw new Error(
      `--key without --secret: a service does not see this shell's ${SECRET_ENV}; save the key in a profile (reach admin create-user --profile) and install with --profile.`,
    );
  }
  const { apiUrl } = await resolveCredentials(flags);
  parseApiList(apiUrl);
  return flags.key ? undefined : resolve(defaultCredentialsPath());
}
