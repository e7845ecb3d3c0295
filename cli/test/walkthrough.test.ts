// The README walkthrough, with real processes: a broker, `admin create-user`, an agent in
// front of real targets, a hand-signed connect from examples/r3-connect.sh, and `reach api`.
// Everything listens on loopback; data, agent identity and credentials live in temp dirs.

import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CliSession, cliSession, REPOSITORY_ROOT } from "../../test-support/cli-session.js";
import { REACH } from "../../test-support/processes.js";
import { tempDir } from "../../test-support/stack.js";
import {
  type HttpTarget,
  startHttpTarget,
  startTcpEcho,
  type TcpEcho,
} from "../../test-support/targets.js";
import { echoThrough, randomPayload } from "../../test-support/visitors.js";

const CONNECT_SCRIPT = join(REPOSITORY_ROOT, "examples", "r3-connect.sh");

interface Keys {
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

let workDir = "";
let cli: CliSession;
const reach = (...args: string[]) => cli.reach(...args);

/** Fails (does not skip) when a tool the walkthrough relies on is missing. */
async function requireTool(tool: string, versionFlag: string): Promise<void> {
  const found = await cli.run(tool, [versionFlag]).catch(() => null);
  assert.ok(
    found && found.code === 0,
    `${tool} is required by examples/r3-connect.sh but is not installed (or does not run); install it (e.g. apt-get install ${tool}).`,
  );
}

function httpGet(
  port: number,
  host: string,
): Promise<{ status: number | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("README walkthrough (real broker, agent and CLI processes)", { timeout: 120_000 }, () => {
  let brokerPort = 0;
  let apiUrl = "";
  let brokerDataDir = "";
  let credentialsPath = "";
  let keys: Keys | undefined;
  const serviceIds = new Map<string, string>();
  let echo: TcpEcho | undefined;
  let web: HttpTarget | undefined;

  before(async () => {
    workDir = await tempDir("reach-walkthrough-");
    brokerDataDir = join(workDir, "broker");
    cli = cliSession(workDir);
    credentialsPath = cli.credentialsPath;
    brokerPort = (await cli.startBroker(brokerDataDir)).port;
    apiUrl = `http://127.0.0.1:${brokerPort}/graphql/v1`;
  });

  after(async () => {
    await cli?.stop();
    await Promise.all([echo?.close(), web?.close()]);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("admin create-user prints only the new key, as one JSON object", async () => {
    const result = await reach(
      "admin",
      "create-user",
      "demo@example.com",
      "--data-dir",
      brokerDataDir,
      "--json",
      "--profile",
      "demo",
      "--api-url",
      apiUrl,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^[^\n]+\n$/, "stdout is exactly one line");
    const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed).sort(), ["accessKeyId", "secretAccessKey", "userId"]);
    for (const value of Object.values(parsed)) {
      assert.equal(typeof value, "string");
      assert.notEqual(value, "");
    }
    keys = parsed as unknown as Keys;
    const saved = await readFile(credentialsPath, "utf8");
    assert.match(saved, /^\[demo\]$/m);
    assert.ok(saved.includes(keys.accessKeyId), "the profile holds the new key");
  });

  it("admin create-user refuses a bad email on stderr, printing nothing", async () => {
    const result = await reach(
      "admin",
      "create-user",
      "not-an-email",
      "--data-dir",
      brokerDataDir,
      "--json",
      "--profile",
      "bad",
    );
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /"not-an-email" is not an email address/);
    assert.doesNotMatch(await readFile(credentialsPath, "utf8"), /^\[bad\]$/m);
  });

  it("the agent registers its services and prints their ids", async () => {
    assert.ok(keys, "needs the user from admin create-user");
    echo = await startTcpEcho();
    web = await startHttpTarget();
    const agent = cli.start([
      "agent",
      "--profile",
      "demo",
      "--name",
      "walk",
      "--data-dir",
      join(workDir, "agent"),
      "--service",
      `web=http:${web.port}`,
      "--service",
      `shell=ssh:${echo.port}`,
    ]);
    const lines = await agent.waitForLines(/^service (\S+) (\S+)$/, 2);
    for (const [, name, id] of lines) if (name && id) serviceIds.set(name, id);
    assert.deepEqual([...serviceIds.keys()].sort(), ["shell", "web"]);
  });

  it("a hand-signed connect (examples/r3-connect.sh) opens a port proxy that echoes exactly", async () => {
    await requireTool("curl", "--version");
    await requireTool("openssl", "version");
    assert.ok(keys && echo, "needs the user and the agent from the steps before");
    const shellId = serviceIds.get("shell");
    assert.ok(shellId, "needs the shell service id");

    const result = await cli.run("bash", [CONNECT_SCRIPT, shellId, "0.0.0.0"], {
      R3_ACCESS_KEY_ID: keys.accessKeyId,
      R3_SECRET_ACCESS_KEY: keys.secretAccessKey,
      R3_API_URL: apiUrl,
    });
    assert.equal(result.code, 0, `r3-connect.sh failed:\n${result.stdout}\n${result.stderr}`);
    const reply = JSON.parse(result.stdout) as {
      data?: { connect?: Record<string, unknown> };
      errors?: unknown;
    };
    assert.equal(reply.errors, undefined, result.stdout);
    const connection = reply.data?.connect;
    assert.ok(connection, result.stdout);
    assert.equal(connection.serviceId, shellId);
    assert.equal(connection.hostIP, "0.0.0.0");
    assert.equal(connection.reverseProxy, false);
    assert.equal(connection.host, "127.0.0.1");
    assert.equal(typeof connection.port, "number");
    assert.equal(connection.url, `ssh://127.0.0.1:${connection.port}`);

    const payload = randomPayload(256 * 1024);
    const echoed = await echoThrough(connection.port as number, "127.0.0.1", payload);
    assert.ok(
      echoed.equals(payload),
      `echoed ${echoed.length} bytes, not the ${payload.length} sent`,
    );
    assert.ok(echo.accepted >= 1, "the echo target saw the connection");
  });

  it("reach api takes --key with its secret from REACH_SECRET_ACCESS_KEY, not argv", async () => {
    assert.ok(keys, "needs the user's keys");
    const result = await cli.run(
      process.execPath,
      [REACH, "api", "--api", apiUrl, "--key", keys.accessKeyId, "{ login { email } }"],
      { REACH_SECRET_ACCESS_KEY: keys.secretAccessKey },
    );
    assert.equal(result.code, 0, `reach api failed:\n${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /"email": ?"/);
    const missing = await reach(
      "api",
      "--api",
      apiUrl,
      "--key",
      keys.accessKeyId,
      "{ login { email } }",
    );
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /--key needs --secret \(or REACH_SECRET_ACCESS_KEY/);
  });

  it("reach api connects the web service, and its reverse proxy serves the target", async () => {
    const webId = serviceIds.get("web");
    assert.ok(webId, "needs the web service id");
    const result = await reach(
      "api",
      "--profile",
      "demo",
      "mutation($s:String!){connect(serviceId:$s){url host reverseProxy}}",
      "--variables",
      JSON.stringify({ s: webId }),
    );
    assert.equal(result.code, 0, `reach api failed:\n${result.stdout}\n${result.stderr}`);
    const reply = JSON.parse(result.stdout) as {
      data?: { connect?: { url: string; host: string; reverseProxy: boolean } };
      errors?: unknown;
    };
    assert.equal(reply.errors, undefined, result.stdout);
    const connection = reply.data?.connect;
    assert.ok(connection, result.stdout);
    assert.equal(connection.reverseProxy, true);
    assert.match(connection.host, /^[a-z0-9]{16}\.p1\.localhost$/);
    assert.equal(connection.url, `http://${connection.host}:${brokerPort}`);

    const response = await httpGet(brokerPort, connection.host);
    assert.equal(response.status, 200);
    assert.equal(response.body, "hello from target");
  });
});
