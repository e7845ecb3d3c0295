// `reach broker install` and `reach agent install`: the service definitions they write. Units
// are checked by Debian's own `systemd-analyze verify`; plists by a real XML parser; quoting
// by the service manager's parser where one runs here (systemd's, on the command's path).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DOMParser, type Element } from "@xmldom/xmldom";
import { definitionFor } from "../../cli/commands/service.js";
import { commandLine } from "../../cli/service/definition.js";
import { installService } from "../../cli/service/install.js";
import { launchdPlist } from "../../cli/service/launchd-plist.js";
import { systemdUnit } from "../../cli/service/systemd-unit.js";
import { winswConfig } from "../../cli/service/winsw-config.js";
import { runReach, runToExit } from "../../test-support/processes.js";
import { tempDir } from "../../test-support/stack.js";

/** `systemd-analyze verify` on a unit file: its exit code and everything it printed. */
async function verify(unitFile: string): Promise<{ code: number | null; output: string }> {
  const result = await runToExit("systemd-analyze", ["verify", unitFile]);
  return { code: result.code, output: `${result.stdout}${result.stderr}`.trim() };
}

/** A credentials file with one profile, as `reach admin create-user --profile` writes it. */
async function profileFile(dir: string): Promise<string> {
  const path = join(dir, "credentials");
  await writeFile(
    path,
    "[default]\nR3_ACCESS_KEY_ID=key\nR3_SECRET_ACCESS_KEY=secret\nR3_API_URL=https://reach.example.com/graphql/v1\n",
    { mode: 0o600 },
  );
  return path;
}

/** Flags no shell-naive quoting survives: spaces, both quotes, $, %, backslash, XML's <&>. */
const AWKWARD_NAME = `my "box" it's $HOME at 100% \\ <&>`;

describe("reach broker|agent install", { timeout: 120_000 }, () => {
  it("the broker's unit passes systemd-analyze verify, and uninstall removes it", async () => {
    const dir = await tempDir("reach-units-");
    const installed = await runReach([
      "broker",
      "install",
      "--unit-dir",
      dir,
      "--listen",
      "0.0.0.0:443",
      "--domain",
      "reach.example.com",
      "--dns-listen",
      "0.0.0.0:53",
    ]);
    assert.equal(installed.code, 0, installed.stderr);
    const unitFile = join(dir, "reach-broker.service");
    assert.deepEqual(await verify(unitFile), { code: 0, output: "" });
    const unit = await readFile(unitFile, "utf8");
    assert.match(
      unit,
      /^ExecStart=".+" ".+\/bin\/reach\.js" "broker" "--listen" "0\.0\.0\.0:443" "--domain" "reach\.example\.com" "--dns-listen" "0\.0\.0\.0:53" "--data-dir" "\/var\/lib\/reach-broker"$/m,
    );
    for (const line of [
      "DynamicUser=yes",
      "StateDirectory=reach-broker",
      "AmbientCapabilities=CAP_NET_BIND_SERVICE",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "Restart=on-failure",
      "Wants=network-online.target",
    ]) {
      assert.ok(unit.split("\n").includes(line), `the unit lacks ${line}`);
    }

    const removed = await runReach(["broker", "uninstall", "--unit-dir", dir]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(await readdir(dir), []);
  });

  it("the agent's unit passes verify, signs with the profile handed over by systemd, has no capability", async () => {
    const dir = await tempDir("reach-units-");
    const credentials = await profileFile(dir);
    const installed = await runReach(
      ["agent", "install", "--unit-dir", dir, "--service", "web=http:8080", "--name", AWKWARD_NAME],
      { env: { REACH_CREDENTIALS: credentials } },
    );
    assert.equal(installed.code, 0, installed.stderr);
    const unitFile = join(dir, "reach-agent.service");
    assert.deepEqual(await verify(unitFile), { code: 0, output: "" });
    const unit = (await readFile(unitFile, "utf8")).split("\n");
    assert.ok(unit.includes(`LoadCredential=credentials:${credentials}`));
    assert.ok(unit.includes("Environment=REACH_CREDENTIALS=%d/credentials"));
    assert.ok(unit.includes("CapabilityBoundingSet="));
    assert.ok(!unit.some((line) => line.startsWith("AmbientCapabilities=")));
  });

  it("systemd reads a path with a space and a % back as the one it was given (and a naive line fails)", async () => {
    // verify checks that ExecStart's first word names an executable file: a node reached
    // through a directory whose name needs the quoting. systemd refuses quotes and
    // backslashes in an executable's name, so here a space and a % (a specifier unless
    // doubled); the other words it does not check offline (the plist test covers them).
    const root = await tempDir("reach-quoting-");
    const awkwardDir = join(root, "a b 100%d");
    await mkdir(awkwardDir);
    const node = join(awkwardDir, "node");
    await symlink(process.execPath, node);
    const credentials = await profileFile(root);
    process.env.REACH_CREDENTIALS = credentials;
    const definition = await definitionFor("agent", ["--name", AWKWARD_NAME], "linux").finally(
      () => {
        delete process.env.REACH_CREDENTIALS;
      },
    );
    const unit = systemdUnit({ ...definition, node });
    const unitFile = join(root, "reach-agent.service");
    await writeFile(unitFile, unit);
    assert.deepEqual(await verify(unitFile), { code: 0, output: "" });

    const naive = unit.replace(
      /^ExecStart=.*$/m,
      `ExecStart=${commandLine({ ...definition, node }).join(" ")}`,
    );
    await writeFile(unitFile, naive);
    assert.notEqual((await verify(unitFile)).output, "");
  });

  it("install warns when the dynamic user could not reach node or reach", async () => {
    const root = await tempDir("reach-closed-");
    await chmod(root, 0o755); // mkdtemp's 0700 would be the first closed directory
    const closed = join(root, "closed");
    await mkdir(closed, { mode: 0o700 });
    const node = join(closed, "node");
    await symlink(process.execPath, node);
    const definition = await definitionFor("broker", [], "linux");
    const said: string[] = [];
    const dir = join(root, "units");
    await installService(
      { ...definition, node },
      { platform: "linux", dir, say: (line) => said.push(line) },
    );
    assert.ok(
      said.some((line) =>
        line.startsWith(`Warning: the service's user cannot reach ${node} (${closed} is closed`),
      ),
      said.join("\n"),
    );
    assert.ok(!said.some((line) => line.includes(definition.script)), "reach itself is reachable");
  });

  it("a bad flag is refused, naming it, and nothing is written", async () => {
    const dir = join(await tempDir("reach-units-"), "units");
    const cases: [string[], RegExp][] = [
      [["broker", "install", "--listen", "nope"], /--listen "nope" is not HOST:PORT/],
      [["broker", "install", "--timeout", "soon"], /--timeout "soon" is not a whole number/],
      [["broker", "install", "--acme-email", "me@example.com"], /--dns-listen/],
      [["broker", "install", "--no-such-flag"], /unknown option '--no-such-flag'/],
      [
        ["broker", "install", "--tls-cert", "missing.pem", "--tls-key", "missing.key"],
        /--tls-cert \/.*\/missing\.pem: no such file/,
      ],
      [
        ["broker", "install", "--data-dir", "/srv/reach"],
        /--data-dir: the service keeps its data in \/var\/lib\/reach-broker/,
      ],
      [["agent", "install", "--service", "web"], /--service/],
      [["agent", "install", "--key", "k", "--api", "http://127.0.0.1:1"], /--key without --secret/],
    ];
    for (const [args, message] of cases) {
      const result = await runReach([...args, "--unit-dir", dir]);
      assert.equal(result.code, 1, `${args.join(" ")}: ${result.stdout}`);
      assert.match(result.stderr, /^reach: nothing was written: /);
      assert.match(result.stderr, message);
      assert.equal(existsSync(dir), false, `${args.join(" ")} wrote ${dir}`);
    }
  });

  it("--print prints the unit and writes nothing", async () => {
    const dir = join(await tempDir("reach-units-"), "units");
    const printed = await runReach(["broker", "install", "--print", "--unit-dir", dir]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /^ExecStart=.*"broker" "--data-dir" "\/var\/lib\/reach-broker"$/m);
    assert.equal(existsSync(dir), false);
  });

  it("the launchd plist is well-formed, with the expected keys and every flag intact", async () => {
    const definition = await definitionFor(
      "broker",
      ["--domain", "reach.example.com", "--public-host", AWKWARD_NAME],
      "darwin",
    );
    const errors: string[] = [];
    const document = new DOMParser({
      onError: (level, message) => {
        if (level !== "warning") errors.push(message);
      },
    }).parseFromString(launchdPlist(definition), "text/xml");
    assert.deepEqual(errors, []);
    const dict = document.getElementsByTagName("dict")[0];
    assert.ok(dict);
    const entries = new Map<string, Element>();
    const children = Array.from(dict.childNodes).filter((n): n is Element => n.nodeType === 1);
    for (let i = 0; i < children.length; i += 2) {
      entries.set(children[i]?.textContent ?? "", children[i + 1] as Element);
    }
    assert.deepEqual(
      [...entries.keys()],
      [
        "Label",
        "ProgramArguments",
        "RunAtLoad",
        "KeepAlive",
        "ThrottleInterval",
        "UserName",
        "WorkingDirectory",
        "EnvironmentVariables",
        "StandardOutPath",
        "StandardErrorPath",
      ],
    );
    assert.equal(entries.get("Label")?.textContent, "reach.broker");
    assert.equal(entries.get("RunAtLoad")?.tagName, "true");
    assert.equal(entries.get("KeepAlive")?.tagName, "true");
    const args = Array.from(entries.get("ProgramArguments")?.getElementsByTagName("string") ?? []);
    assert.deepEqual(
      args.map((s) => s.textContent),
      [
        process.execPath,
        definition.script,
        "broker",
        "--domain",
        "reach.example.com",
        "--public-host",
        AWKWARD_NAME,
        "--data-dir",
        "/usr/local/var/reach/broker",
      ],
    );
  });

  it("the Windows service definition (WinSW) is well-formed XML naming node and the flags", async () => {
    const definition = await definitionFor("broker", ["--public-host", AWKWARD_NAME], "win32");
    const errors: string[] = [];
    const document = new DOMParser({
      onError: (level, message) => {
        if (level !== "warning") errors.push(message);
      },
    }).parseFromString(winswConfig(definition), "text/xml");
    assert.deepEqual(errors, []);
    const text = (tag: string) => document.getElementsByTagName(tag)[0]?.textContent;
    assert.equal(text("id"), "reach-broker");
    assert.equal(text("executable"), process.execPath);
    assert.equal(text("startmode"), "Automatic");
    assert.equal(text("user"), "LocalService");
    // CommandLineToArgvW's rules: the quote inside is \", the backslash before the closing
    // quote doubled; the rest as given.
    assert.match(
      text("arguments") ?? "",
      / broker --public-host "my \\"box\\" it's \$HOME at 100% \\ <&>" --data-dir /,
    );
  });
});

// systemd-analyze must be the real one: the suite means nothing without it.
execFileSync("systemd-analyze", ["--version"]);
