// `reach broker`: runs the broker in the foreground. Its flags are the rows of the settings
// table (broker/settings.ts); --config reads the same settings from a TOML file, and a flag
// given on the command line wins over the file.
import type { Command } from "commander";
import { type BrokerConfig, resolveConfig } from "../../broker/config.js";
import { type FileValue, loadConfigFile } from "../../broker/config-file.js";
import {
  BROKER_SETTINGS,
  type SettingValues,
  settingName,
  settingPath,
  settingsToConfig,
} from "../../broker/settings.js";
import { onShutdown } from "../options.js";
import { registerBrokerInitCommand } from "./broker-init.js";
import { tomlLiteral } from "./broker-settings-text.js";

type Source = { kind: "default" } | { kind: "file"; line: number } | { kind: "flag" };

interface Effective {
  values: SettingValues;
  sources: Map<string, Source>;
}

/** Every setting's value: the command line's, else the file's, else the default. */
async function effectiveSettings(command: Command, configPath?: string): Promise<Effective> {
  const file: Map<string, FileValue> = configPath ? await loadConfigFile(configPath) : new Map();
  const values: SettingValues = {};
  const sources = new Map<string, Source>();
  for (const setting of BROKER_SETTINGS) {
    const name = settingName(setting);
    const fromFile = file.get(name);
    if (command.getOptionValueSource(name) === "cli") {
      const value = String(command.getOptionValue(name));
      try {
        setting.check(value);
      } catch (error) {
        throw new Error(`${setting.flag} ${(error as Error).message}`);
      }
      values[name] = value;
      sources.set(name, { kind: "flag" });
    } else if (fromFile) {
      values[name] = fromFile.value;
      sources.set(name, { kind: "file", line: fromFile.line });
    } else {
      values[name] = setting.default;
      sources.set(name, { kind: "default" });
    }
  }
  return { values, sources };
}

/**
 * The broker's settings once the rules that join two settings pass (resolveConfig). Their
 * sentences name flags; when the first flag named came from the file, the error leads with
 * its line and key as the file's own errors do.
 */
function judgedWhole(effective: Effective, configPath?: string): Partial<BrokerConfig> {
  try {
    const settings = settingsToConfig(effective.values);
    resolveConfig(settings);
    return settings;
  } catch (error) {
    const message = (error as Error).message;
    for (const [, flag] of message.matchAll(/(--[a-z-]+)/g)) {
      const setting = BROKER_SETTINGS.find((s) => s.flag === flag);
      const source = setting && effective.sources.get(settingName(setting));
      if (setting && source?.kind === "file") {
        throw new Error(`${configPath}:${source.line}: ${settingPath(setting)}: ${message}`);
      }
      if (source?.kind === "flag") break;
    }
    throw error;
  }
}

function printConfig({ values, sources }: Effective, configPath?: string): string {
  const rows = BROKER_SETTINGS.map((setting) => {
    const name = settingName(setting);
    const value = values[name];
    const source = sources.get(name) ?? { kind: "default" };
    const where =
      source.kind === "file"
        ? `${configPath}:${source.line}`
        : source.kind === "flag"
          ? `flag ${setting.flag}`
          : "default";
    const assignment =
      value === undefined
        ? `# ${settingPath(setting)} (not set)`
        : `${settingPath(setting)} = ${tomlLiteral(setting, value)}`;
    return { assignment, where };
  });
  const width = Math.max(...rows.map((row) => row.assignment.length));
  return rows.map((row) => `${row.assignment.padEnd(width)}  # ${row.where}\n`).join("");
}

/**
 * The settings `reach broker` would run with, for a command parsed as its own (`reach
 * broker install` checks its flags with this before writing a service); throws as it would.
 */
export async function brokerSettingsOf(
  command: Command,
  configPath?: string,
): Promise<Partial<BrokerConfig>> {
  return judgedWhole(await effectiveSettings(command, configPath), configPath);
}

export function registerBrokerCommand(program: Command): void {
  const broker = program
    .command("broker")
    .description("Run a broker: the GraphQL API, the proxies, and the agents' tunnel gateway.")
    .option("--config <file>", "read settings from this TOML file (flags given here win)")
    .option("--print-config", "print every setting's value and where it came from, then exit")
    .enablePositionalOptions();
  for (const setting of BROKER_SETTINGS) {
    broker.option(
      `${setting.flag} ${setting.placeholder}`,
      `${setting.description} [${settingPath(setting)}]`,
      setting.default,
    );
  }
  broker.action(async (flags: { config?: string; printConfig?: boolean }, command: Command) => {
    const effective = await effectiveSettings(command, flags.config);
    // Judged whole before anything is opened or bound: a bad mix of settings starts nothing.
    const settings = judgedWhole(effective, flags.config);
    if (flags.printConfig) {
      process.stdout.write(printConfig(effective, flags.config));
      return;
    }
    const { startBroker } = await import("../../broker/broker.js");
    const running = await startBroker(settings);
    process.stdout.write(
      `Reach broker listening on ${running.url} (GraphQL API at ${running.apiUrl})\n`,
    );
    onShutdown(() => running.close());
  });
  registerBrokerInitCommand(broker);
}
