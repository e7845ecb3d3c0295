// Quoting of one command line for each service manager, so that every flag reaches
// `reach` as the one argument it was on the installing shell, spaces and quotes included.

/**
 * One word of a systemd ExecStart= line, double-quoted. Inside quotes systemd takes C
 * escapes (so \\ and \" stand for themselves), expands %-specifiers (written %% to mean
 * "%") and $VAR / ${VAR} (written $$ to mean "$"): systemd.service(5), "Command lines".
 */
export function systemdWord(word: string): string {
  const escaped = word
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n")
    .replace(/\t/g, "\\t")
    .replace(/%/g, "%%")
    .replace(/\$/g, "$$$$");
  return `"${escaped}"`;
}

export function systemdCommandLine(words: readonly string[]): string {
  return words.map(systemdWord).join(" ");
}

/** Text and attribute values in XML (plists, WinSW's configuration). */
export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/**
 * One argument as Windows programs split their command line (CommandLineToArgvW, which
 * Node's own argv follows): quotes around anything with a space, tab or quote; a quote
 * inside is \" and the backslashes before a quote (or before the closing one) doubled.
 */
export function windowsArgument(argument: string): string {
  if (argument !== "" && !/[\s"]/.test(argument)) return argument;
  let quoted = '"';
  let backslashes = 0;
  for (const char of argument) {
    if (char === "\\") {
      backslashes++;
      continue;
    }
    if (char === '"') quoted += "\\".repeat(backslashes * 2 + 1);
    else quoted += "\\".repeat(backslashes);
    backslashes = 0;
    quoted += char;
  }
  return `${quoted}${"\\".repeat(backslashes * 2)}"`;
}

export function windowsCommandLine(argv: readonly string[]): string {
  return argv.map(windowsArgument).join(" ");
}
