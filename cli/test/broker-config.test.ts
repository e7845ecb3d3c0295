// `reach broker --config FILE`, `--print-config` and `reach broker init`, as real `reach`
// processes: a file's settings start a broker, a flag wins over the file, each kind of bad
// file is one error naming its key and line and starts nothing, and what init writes reads
// back unchanged.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "smol-toml";
import { parseConfigText } from "../../broker/config-file.js";
import { BROKER_SETTINGS, SETTING_GROUPS, settingKey, settingPath } from "../../broker/settings.js";
import { type CliSession, cliSession } from "../../test-support/cli-session.js";
import { freePort, tempDir } from "../../test-support/stack.js";
import { brokerConfigText, publicServerValues } from "../commands/broker-init.js";

/** Whether anything accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** --print-config's lines by key: the TOML value as printed, and its source. */
function printedConfig(stdout: string): Map<string, { value?: string; source: string }> {
  const rows = new Map<string, { value?: string; source: string }>();
  for (const line of stdout.trimEnd().split("\n")) {
    const set = /^(\S+) = (.*?)\s+# (.+)$/.exec(line);
    const unset = /^# (\S+) \(not set\)\s+# (.+)$/.exec(line);
    if (set) rows.set(set[1] as string, { value: set[2], source: set[3] as string });
    else if (unset) rows.set(unset[1] as string, { source: unset[2] as string });
    else assert.fail(`--print-config printed a line that is neither shape: ${line}`);
  }
  return rows;
}

describe("the broker's config file", () => {
  let work: string;
  let session: CliSession;
  before(async () => {
    work = await tempDir("reach-broker-config-");
    session = cliSession(work);
  });
  after(() => session.stop());

  it("every flag of the settings table has its own key, and --help shows each", async () => {
    const paths = BROKER_SETTINGS.map(settingPath);
    assert.equal(new Set(paths).size, paths.length, "two flags share a key");
    for (const setting of BROKER_SETTINGS) {
      const { group, key } = settingKey(setting);
      assert.match(key, /^[a-z0-9_]+$/, `${setting.flag}'s key ${key} is not snake_case`);
      if (group) assert.ok((SETTING_GROUPS as readonly string[]).includes(group));
    }
    const help = await session.reach("broker", "--help");
    assert.equal(help.code, 0, help.stderr);
    const flags = [...help.stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1] as string);
    const ownFlags = new Set(["--config", "--print-config", "--help"]);
    const settingFlags = flags.filter((flag) => !ownFlags.has(flag));
    assert.deepEqual(
      settingFlags.sort(),
      BROKER_SETTINGS.map((s) => s.flag).sort(),
      "`reach broker --help` and the settings table list different flags",
    );
    for (const setting of BROKER_SETTINGS) {
      const line = help.stdout.split("\n").find((l) => l.trimStart().startsWith(setting.flag));
      // commander may wrap a long description; the key is in the option's paragraph.
      const paragraph = help.stdout.slice(help.stdout.indexOf(line as string)).split(/\n\s+--/)[0];
      assert.ok(
        paragraph?.includes(`[${settingPath(setting)}]`),
        `--help does not show ${setting.flag}'s key ${settingPath(setting)}`,
      );
    }
  });

  it("a file's settings start a broker on the configured port; a flag wins over the file", async () => {
    const port = await freePort();
    const dataDir = join(work, "from-file");
    const file = join(work, "broker.toml");
    await writeFile(
      file,
      [
        `data_dir = ${JSON.stringify(dataDir)}`,
        `listen = "127.0.0.1:${port}"`,
        "node = 4",
        "idle_timeout = 0",
        "[proxy]",
        `ports = "46100-46199"`,
        "",
      ].join("\n"),
    );
    const broker = session.start(["broker", "--config", file, "--node", "7"]);
    const [, apiUrl] = await broker.waitForLine(/GraphQL API at (\S+)\)/);
    assert.equal(new URL(apiUrl as string).port, String(port));
    const response = await fetch(apiUrl as string, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    // The API refuses an unsigned request: a Reach broker answered, on the file's port.
    assert.equal(response.status, 401);
    await response.body?.cancel();
    // The running broker is node 7 (the flag), not 4 (the file): its start-up log says so.
    const logged = [...broker.lines, broker.stderr()].join("\n");
    assert.match(logged, /"message":"broker listening".*"node":7\b/);
    assert.ok(existsSync(join(dataDir, "reach.sqlite")), "the store is not in the file's data_dir");

    const printed = await session.reach(
      "broker",
      "--config",
      file,
      "--node",
      "7",
      "--print-config",
    );
    assert.equal(printed.code, 0, printed.stderr);
    const rows = printedConfig(printed.stdout);
    assert.deepEqual(rows.get("node"), { value: "7", source: "flag --node" });
    assert.deepEqual(rows.get("listen"), { value: `"127.0.0.1:${port}"`, source: `${file}:2` });
    assert.deepEqual(rows.get("proxy.ports"), { value: `"46100-46199"`, source: `${file}:6` });
    assert.deepEqual(rows.get("timeout"), { value: "28800", source: "default" });
    assert.deepEqual(rows.get("tls.cert"), { source: "default" });
    assert.equal(rows.size, BROKER_SETTINGS.length, "--print-config leaves a setting out");
    await broker.stop();
  });

  const badFiles: { name: string; lines: string[]; error: RegExp }[] = [
    {
      name: "an unknown key, with the nearest known one",
      lines: ["[acme]", 'email = "me@example.com"', 'chalenge = "dns-01"'],
      error:
        /^reach: \S+bad\.toml:3: acme\.chalenge: no such setting; did you mean "acme\.challenge"\?$/m,
    },
    {
      name: "a value of the wrong type",
      lines: ["# a comment", 'node = "two"'],
      error: /^reach: \S+bad\.toml:2: node: must be a whole number, not a string\.$/m,
    },
    {
      name: "a value the flag's own check refuses",
      lines: ["", "", "[proxy]", 'ports = "500-100"'],
      error:
        /^reach: \S+bad\.toml:4: proxy\.ports: "500-100" is not a port range LO-HI within 1-65535\.$/m,
    },
    {
      name: "a table where a setting's value belongs",
      lines: ["timeout = 60", "dns = 53"],
      error:
        /^reach: \S+bad\.toml:2: dns: is a table of settings \(\[dns\]\), not a whole number\.$/m,
    },
    {
      name: "settings that do not go together",
      lines: ["node = 2", "[acme]", 'email = "me@example.com"'],
      error:
        /^reach: \S+bad\.toml:3: acme\.email: --acme-email with --acme-challenge dns-01 needs the broker's own DNS: set --dns-listen \(or use http-01\)\.$/m,
    },
    {
      name: "TOML that does not parse",
      lines: ["timeout = 60", 'listen = "127.0.0.1:1'],
      error: /^reach: \S+bad\.toml:2:\d+: not valid TOML: .+$/m,
    },
  ];
  for (const bad of badFiles) {
    it(`a file with ${bad.name} is one error naming key and line, and starts nothing`, async () => {
      const port = await freePort();
      const dataDir = join(work, `bad-${port}`);
      const file = join(work, `${port}-bad.toml`);
      await writeFile(file, [...bad.lines, ""].join("\n"));
      const exited = await session.reach(
        "broker",
        "--config",
        file,
        "--listen",
        `127.0.0.1:${port}`,
        "--data-dir",
        dataDir,
      );
      assert.notEqual(exited.code, 0);
      assert.match(exited.stderr, bad.error);
      assert.equal(
        exited.stderr.trim().split("\n").length,
        1,
        `more than one line: ${exited.stderr}`,
      );
      assert.doesNotMatch(exited.stdout, /listening/);
      assert.equal(existsSync(dataDir), false, "a store was created");
      assert.equal(await listening(port), false);
    });
  }

  it("init writes a public-server file that --print-config reads back unchanged", async () => {
    const file = join(work, "init", "broker.toml");
    const init = await session.reach(
      "broker",
      "init",
      "--domain",
      "reach.example.com",
      "--email",
      "me@example.com",
      "--config",
      file,
    );
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /^ {2}ns1\.reach\.example\.com\. A {2}\S+/m);
    assert.match(init.stdout, /^ {2}reach\.example\.com\. NS ns1\.reach\.example\.com\.$/m);
    assert.match(init.stdout, /^ {2}53\/udp and 53\/tcp/m);
    const text = await readFile(file, "utf8");
    const written = parse(text) as Record<string, unknown>;
    assert.equal(written.listen, "0.0.0.0:443");
    assert.deepEqual({ ...(written.dns as object) }, { listen: "0.0.0.0:53" });
    assert.deepEqual({ ...(written.http as object) }, { listen: "0.0.0.0:80" });
    assert.deepEqual({ ...(written.proxy as object) }, { bind: "0.0.0.0" });
    assert.equal((written.acme as Record<string, unknown>).email, "me@example.com");
    assert.equal(written.data_dir, undefined, "a file outside /etc keeps the default data dir");

    const printed = await session.reach("broker", "--config", file, "--print-config");
    assert.equal(printed.code, 0, printed.stderr);
    const rows = printedConfig(printed.stdout);
    const lines = text.split("\n");
    for (const [path, row] of rows) {
      const [group, key] = path.includes(".") ? path.split(".") : [undefined, path];
      const value = group
        ? (written[group] as Record<string, unknown> | undefined)?.[key as string]
        : written[key as string];
      if (value === undefined) {
        assert.equal(row.source, "default", `${path} is not in the file but came from it`);
        continue;
      }
      assert.deepEqual(parse(`v = ${row.value}`).v, value, `${path} printed otherwise`);
      const line = Number(/:(\d+)$/.exec(row.source)?.[1]);
      assert.match(lines[line - 1] ?? "", new RegExp(`^${key} = `), `${path}'s line is wrong`);
    }

    const again = await session.reach(
      "broker",
      "init",
      "--domain",
      "other.example.com",
      "--email",
      "me@example.com",
      "--config",
      file,
    );
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /exists; --force overwrites it/);
    assert.equal(await readFile(file, "utf8"), text, "init overwrote without --force");
    const forced = await session.reach(
      "broker",
      "init",
      "--domain",
      "other.example.com",
      "--email",
      "me@example.com",
      "--config",
      file,
      "--force",
    );
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(await readFile(file, "utf8"), /^domain = "other\.example\.com"$/m);
  });

  it("init puts the store in /var/lib/reach-broker, the service's data dir, for a file under /etc", () => {
    const values = publicServerValues({
      domain: "reach.example.com",
      email: "me@example.com",
      path: "/etc/reach/broker.toml",
    });
    const read = parseConfigText(brokerConfigText(values), "/etc/reach/broker.toml");
    assert.equal(read.get("dataDir")?.value, "/var/lib/reach-broker");
    assert.equal(read.get("listen")?.value, "0.0.0.0:443");
  });

  it("init refuses a bad --email and writes nothing", async () => {
    const file = join(work, "init-bad", "broker.toml");
    const init = await session.reach(
      "broker",
      "init",
      "--domain",
      "reach.example.com",
      "--email",
      "not-an-address",
      "--config",
      file,
    );
    assert.notEqual(init.code, 0);
    assert.match(init.stderr, /"not-an-address" is not an email address/);
    assert.equal(existsSync(file), false);
  });
});
