// The terminal launcher: what it spawns on each platform, and on Linux for real: the first
// terminal on PATH is found and run, settings.terminal replaces it, and a missing terminal
// is a sentence. The "terminals" on PATH here are scripts that run what they are given, as a
// terminal window would; the commands they run are real and leave their output in a file.
import assert from "node:assert/strict";
import { chmod, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { eventually, tempDir } from "../../test-support/stack.js";
import { runInTerminal, splitWords, terminalInvocation } from "../core/terminal-launcher.js";

describe("terminal launcher", () => {
  let dir: string;

  before(async () => {
    dir = await tempDir("reach-terminal-");
  });

  /** A directory for PATH holding sh and the named terminals, each logging its name and first argument. */
  async function pathWith(name: string, terminals: string[]): Promise<string> {
    const bin = join(dir, name);
    await mkdir(bin);
    await symlink("/bin/sh", join(bin, "sh"));
    for (const terminal of terminals) {
      const script = join(bin, terminal);
      await writeFile(
        script,
        `#!/bin/sh\necho "${terminal} $1" >> "$REACH_TEST_LOG"\nshift\nexec "$@"\n`,
      );
      await chmod(script, 0o755);
    }
    return bin;
  }

  const logOf = async (file: string) => (await readFile(file, "utf8").catch(() => "")).trim();

  it("builds the platform's invocation: the command stays one argument", async () => {
    const command = `psql -h 127.0.0.1 -p 33012 -U "a b"`;
    assert.deepEqual(await terminalInvocation(command, { terminal: null, platform: "win32" }), {
      file: "cmd",
      args: ["/c", "start", "", "cmd", "/k", command],
    });
    const mac = await terminalInvocation(command, { terminal: null, platform: "darwin" });
    assert.equal(mac.file, "osascript");
    assert.equal(
      mac.args[1],
      'tell application "Terminal" to do script "psql -h 127.0.0.1 -p 33012 -U \\"a b\\""',
    );
    assert.deepEqual(
      await terminalInvocation(command, { terminal: "'/opt/My Term/term' -x", platform: "linux" }),
      { file: "/opt/My Term/term", args: ["-x", "sh", "-c", command] },
    );
    assert.deepEqual(splitWords(`"a b" c 'd e'`), ["a b", "c", "d e"]);
  });

  it("runs the command in x-terminal-emulator, preferred over gnome-terminal", async () => {
    const log = join(dir, "both.log");
    const PATH = await pathWith("both", ["gnome-terminal", "x-terminal-emulator"]);
    await runInTerminal(`echo ran >> "${log}"`, {
      terminal: null,
      platform: "linux",
      env: { PATH, REACH_TEST_LOG: log },
    });
    await eventually(async () => (await logOf(log)).endsWith("ran"));
    assert.equal(await logOf(log), "x-terminal-emulator -e\nran");
  });

  it("falls back to gnome-terminal", async () => {
    const log = join(dir, "gnome.log");
    const PATH = await pathWith("gnome", ["gnome-terminal"]);
    await runInTerminal(`echo ran >> "${log}"`, {
      terminal: null,
      platform: "linux",
      env: { PATH, REACH_TEST_LOG: log },
    });
    await eventually(async () => (await logOf(log)).endsWith("ran"));
    assert.equal(await logOf(log), "gnome-terminal --\nran");
  });

  it("says so when no terminal is on PATH", async () => {
    const PATH = await pathWith("none", []);
    await assert.rejects(
      runInTerminal("true", { terminal: null, platform: "linux", env: { PATH } }),
      /No terminal found: Reach looks on PATH for x-terminal-emulator, then gnome-terminal\./,
    );
  });

  it("uses settings.terminal instead, and names it when it does not exist", async () => {
    const out = join(dir, "env.out");
    await runInTerminal(`echo "$0" > "${out}"`, {
      terminal: "env",
      env: { PATH: "/usr/bin:/bin" },
    });
    await eventually(async () => (await logOf(out)) !== "");
    assert.equal(await logOf(out), "sh", "env ran sh -c with the command");
    await assert.rejects(
      runInTerminal("true", { terminal: "no-such-terminal-here -e", env: { PATH: "/usr/bin" } }),
      /The terminal program "no-such-terminal-here" was not found/,
    );
  });
});
