// A web service's persistent public link from the desktop core, against a real broker and
// agent: set with a password (a visitor without it refused by the broker's link gate, let
// in with it), shown on the service after any sign-in, the password removed, switched off;
// refusals named.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { RecordingHost } from "../../test-support/recording-host.js";
import { startStack, type TestStack, tempDir } from "../../test-support/stack.js";
import { visitLink } from "../../test-support/visitors.js";
import { DesktopCore } from "../core/desktop-core.js";
import { FileVault } from "../core/vault/file-vault.js";

describe("persistent public link", () => {
  let stack: TestStack;
  let dir: string;
  const cores: DesktopCore[] = [];

  before(async () => {
    stack = await startStack({
      users: ["link@example.com"],
      services: [
        { name: "shell", application: 28, target: "echo" },
        { name: "site", application: 7, target: "web" },
      ],
    });
    dir = await tempDir("reach-link-");
  });

  afterEach(async () => {
    for (const core of cores.splice(0)) await core.stop();
  });

  after(() => stack?.stop());

  async function signedInCore(): Promise<DesktopCore> {
    const core = new DesktopCore({
      vault: new FileVault(join(dir, `vault-${cores.length}.json`)),
      host: new RecordingHost(),
      syncIntervalMs: 3_600_000,
    });
    cores.push(core);
    const result = await core.signIn({ apiUrl: stack.broker.apiUrl, ...stack.user.credentials });
    assert.ok(result.ok, JSON.stringify(result));
    return core;
  }

  const serviceOf = (core: DesktopCore, name: string) =>
    core
      .snapshot()
      .devices.flatMap((d) => d.services)
      .find((s) => s.name === name);

  it("sets a link with a password, which the broker's gate then asks visitors for", async () => {
    const core = await signedInCore();
    const siteId = stack.agent.serviceId("site");
    assert.equal(serviceOf(core, "site")?.link, null);

    const set = await core.setPublicLink({
      serviceId: siteId,
      enabled: true,
      password: "open sesame",
    });
    assert.ok(set.ok, JSON.stringify(set));
    if (!set.ok) return;
    assert.match(set.value.url, /^http:\/\/[a-z0-9]{16}\.p1\.[^:]+:\d+$/);
    assert.deepEqual(set.value, { url: set.value.url, enabled: true, hasPassword: true });
    assert.deepEqual(serviceOf(core, "site")?.link, set.value, "pushed on the service");
    assert.ok(!JSON.stringify(core.snapshot()).includes("open sesame"), "no password in the state");

    assert.equal((await visitLink(set.value.url, "127.0.0.2")).status, 401);
    assert.equal((await visitLink(set.value.url, "127.0.0.2", "wrong")).status, 401);
    const inside = await visitLink(set.value.url, "127.0.0.2", "open sesame");
    assert.equal(inside.status, 200);
    assert.equal(inside.body, "hello from target");

    // Another sign-in reads the link from the broker.
    const other = await signedInCore();
    assert.deepEqual(serviceOf(other, "site")?.link, set.value);

    // Too long a password is the broker's refusal, named; the link is as it was.
    const tooLong = await core.setPublicLink({
      serviceId: siteId,
      enabled: true,
      password: "x".repeat(200),
    });
    assert.ok(!tooLong.ok && tooLong.error.code === "BAD_USER_INPUT", JSON.stringify(tooLong));
    assert.match(tooLong.ok ? "" : tooLong.error.message, /at most 128/);
    assert.equal((await visitLink(set.value.url, "127.0.0.2", "open sesame")).status, 200);

    const open = await core.setPublicLink({ serviceId: siteId, enabled: true, password: "" });
    assert.ok(open.ok && !open.value.hasPassword && open.value.url === set.value.url);
    assert.equal((await visitLink(set.value.url, "127.0.0.3")).status, 200);

    const off = await core.setPublicLink({ serviceId: siteId, enabled: false });
    assert.ok(off.ok, JSON.stringify(off));
    assert.deepEqual(off.value, { url: set.value.url, enabled: false, hasPassword: false });
    assert.equal((await visitLink(set.value.url, "127.0.0.2")).status, 404);
    await core.refresh();
    assert.deepEqual(serviceOf(core, "site")?.link, off.value, "the broker agrees after a sync");

    const back = await core.setPublicLink({ serviceId: siteId, enabled: true });
    assert.ok(back.ok && back.value.enabled && back.value.url === set.value.url);
    assert.equal((await visitLink(set.value.url, "127.0.0.2")).status, 200);
  });

  it("names what is wrong: a service that is not web, one that does not exist, signed out", async () => {
    const core = await signedInCore();
    const shell = await core.setPublicLink({
      serviceId: stack.agent.serviceId("shell"),
      enabled: true,
    });
    assert.ok(!shell.ok && shell.error.code === "INVALID_INPUT");
    assert.match(shell.ok ? "" : shell.error.message, /http and https services only; shell is SSH/);
    const unknown = await core.setPublicLink({ serviceId: "no-such", enabled: true });
    assert.ok(!unknown.ok && /no service with id no-such/.test(unknown.error.message));
    await core.signOut();
    const signedOut = await core.setPublicLink({ serviceId: "x", enabled: true });
    assert.ok(!signedOut.ok && signedOut.error.code === "UNAUTHENTICATED");
  });
});
