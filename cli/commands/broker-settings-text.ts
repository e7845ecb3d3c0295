// A broker setting as a TOML line, for `reach broker --print-config` and `reach broker
// init`: both print what the config file would hold, so either output reads back as one.
import { type BrokerSetting, splitList } from "../../broker/settings.js";

/** The TOML literal of a value in the flag's spelling. */
export function tomlLiteral(setting: BrokerSetting, value: string): string {
  if (setting.file === "integer") return value;
  if (setting.file === "port-or-word" && /^\d+$/.test(value)) return value;
  if (setting.file === "list") return `[${splitList(value).map(quote).join(", ")}]`;
  return quote(value);
}

// A JSON string is a TOML basic string for everything JSON.stringify emits.
function quote(value: string): string {
  return JSON.stringify(value);
}
