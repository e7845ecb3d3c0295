// Copy and launch templates: each type's defaults resolved, missing tokens named, unknown
// tokens and schemes outside the allowlist refused, and token values a shell would read refused.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EXTERNAL_SCHEMES, externalUrl } from "../desktop-api.js";
import {
  checkTemplate,
  checkTokenValues,
  checkUsername,
  defaultTemplates,
  isUrlTemplate,
  localCopyText,
  localTokenValues,
  resolveTemplate,
  splitAddress,
  templatesOf,
} from "../launch-templates.js";
import { SERVICE_TYPES } from "../service-types.js";

const values = { host: "127.0.0.1", port: "33012", username: "alice", id: "svc-1" };

function resolved(template: string | null): string {
  assert.ok(template !== null);
  const result = resolveTemplate(template, values);
  assert.ok(result.ok, JSON.stringify(result));
  return result.text;
}

describe("launch templates", () => {
  it("resolves each service type's defaults", () => {
    const table = SERVICE_TYPES.map((type) => {
      const { copy, launch } = defaultTemplates(type.application);
      return [type.name, resolved(copy), launch === null ? null : resolved(launch)];
    });
    assert.deepEqual(table, [
      ["TCP", "127.0.0.1:33012", null],
      ["VNC", "127.0.0.1:33012", "vnc://127.0.0.1:33012"],
      ["RDP", "127.0.0.1:33012", "rdp://full%20address=s%3A127.0.0.1%3A33012"],
      ["HTTP", "http://127.0.0.1:33012", "http://127.0.0.1:33012"],
      ["HTTPS", "https://127.0.0.1:33012", "https://127.0.0.1:33012"],
      ["SSH", "ssh -l alice 127.0.0.1 -p 33012", "ssh://alice@127.0.0.1:33012"],
      ["SMB", "smb://127.0.0.1:33012", "smb://127.0.0.1:33012"],
      ["PostgreSQL", "psql -h 127.0.0.1 -p 33012 -U alice", "psql -h 127.0.0.1 -p 33012 -U alice"],
      ["MySQL", "mysql -h 127.0.0.1 -P 33012 -u alice", "mysql -h 127.0.0.1 -P 33012 -u alice"],
    ]);
  });

  it("gives every default URL launch a scheme the app opens, and every default a clean check", () => {
    for (const type of SERVICE_TYPES) {
      const { copy, launch } = defaultTemplates(type.application);
      assert.equal(checkTemplate(copy, "copy"), null, type.name);
      if (launch === null) continue;
      assert.equal(checkTemplate(launch, "launch"), null, type.name);
      if (isUrlTemplate(launch)) assert.ok(externalUrl(resolved(launch)), `${type.name} opens`);
    }
  });

  it("treats an unknown type as TCP, and a connection's own template over its type's", () => {
    assert.deepEqual(defaultTemplates(9999), defaultTemplates(1));
    const own = { application: 28, copyTemplate: "[username]@[host]", launchTemplate: null };
    assert.deepEqual(templatesOf(own), {
      copy: "[username]@[host]",
      launch: "ssh://[username]@[host]:[port]",
    });
  });

  it("names the tokens that have no value yet, each once", () => {
    const result = resolveTemplate("ssh -l [username] [host] -p [port] # [username]", {
      host: "127.0.0.1",
      port: "22",
    });
    assert.deepEqual(result, { ok: false, missing: ["username"] });
  });

  it("brackets an IPv6 host in a URL, not in a command", () => {
    const v6 = { ...values, host: "::1" };
    assert.deepEqual(resolveTemplate("ssh://[username]@[host]:[port]", v6), {
      ok: true,
      text: "ssh://alice@[::1]:33012",
    });
    assert.deepEqual(resolveTemplate("ssh -l [username] [host] -p [port]", v6), {
      ok: true,
      text: "ssh -l alice ::1 -p 33012",
    });
  });

  it("refuses an unknown token, naming it and the known ones", () => {
    assert.equal(
      checkTemplate("ssh [hostname] -p [port]", "copy"),
      "The copy template has an unknown token [hostname]: use [host] [port] [username] [id].",
    );
    assert.equal(checkTemplate("ping [::1]", "launch"), null, "an IPv6 literal is not a token");
  });

  it("refuses a launch URL outside the allowlist, and takes anything else as a command", () => {
    for (const template of [
      "file:///etc/passwd",
      "javascript:alert(1)",
      "telnet://[host]:[port]",
    ]) {
      assert.match(checkTemplate(template, "launch") ?? "", /which Reach does not open/, template);
    }
    assert.match(
      checkTemplate("FILE:///x", "launch") ?? "",
      /opens a file: URL/,
      "schemes compare case-insensitively",
    );
    assert.equal(checkTemplate("file:///etc/passwd", "copy"), null, "copied text is not opened");
    for (const command of [
      "psql -h [host]",
      "C:\\tools\\putty.exe -P [port] [host]",
      "nc [host] [port]",
    ]) {
      assert.equal(isUrlTemplate(command), false, command);
      assert.equal(checkTemplate(command, "launch"), null, command);
    }
    for (const scheme of EXTERNAL_SCHEMES) {
      assert.equal(checkTemplate(`${scheme}//[host]:[port]`, "launch"), null, scheme);
    }
  });

  it("refuses a username a shell would read, or one starting with a dash", () => {
    for (const bad of ["a;rm -rf ~", "$(id)", "a b", "`x`", "a'b", "a|b", "a\\b"]) {
      assert.match(checkUsername(bad) ?? "", /may hold only letters, digits/, bad);
    }
    assert.match(checkUsername("-oBatchMode") ?? "", /may not start with a dash/);
    for (const good of ["alice", "a.b-c_d", "me@corp.example"])
      assert.equal(checkUsername(good), null);
    assert.match(
      checkTokenValues({ ...values, id: "x;reboot" }) ?? "",
      /The id "x;reboot" cannot go into a template/,
    );
    assert.equal(checkTokenValues(values), null);
  });

  it("fills a local listener's values: its address, or 127.0.0.1 when it listens on every one", () => {
    const spec = { bind: "0.0.0.0", port: 33012, serviceId: "svc-1", username: null };
    assert.deepEqual(localTokenValues(spec), {
      host: "127.0.0.1",
      port: "33012",
      id: "svc-1",
      username: undefined,
    });
    assert.equal(localTokenValues({ ...spec, bind: "::" }).host, "127.0.0.1");
    assert.equal(localTokenValues({ ...spec, bind: "192.168.1.20" }).host, "192.168.1.20");
    const ssh = { ...spec, application: 28, copyTemplate: null, launchTemplate: null };
    assert.equal(localCopyText(ssh), "ssh -l [username] 127.0.0.1 -p 33012");
    assert.equal(localCopyText({ ...ssh, username: "bob" }), "ssh -l bob 127.0.0.1 -p 33012");
  });

  it("splits host:port, IPv6 included", () => {
    assert.deepEqual(splitAddress("127.0.0.1:80"), { host: "127.0.0.1", port: "80" });
    assert.deepEqual(splitAddress("[::1]:80"), { host: "::1", port: "80" });
    assert.equal(splitAddress("127.0.0.1"), null);
  });
});
