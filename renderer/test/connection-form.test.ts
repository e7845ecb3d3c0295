import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { DEFAULT_SETTINGS } from "../../common/desktop-settings.js";
import {
  bindPatch,
  bindPick,
  type ConnectionForm,
  formFields,
  formOf,
  formProblems,
  isCidr,
  newForm,
} from "../src/lib/connection-form.js";
import { savedView, service } from "./fixtures.js";

const fresh = (overrides: Partial<ConnectionForm> = {}): ConnectionForm => ({
  ...newForm(service(), DEFAULT_SETTINGS, "203.0.113.9"),
  ...overrides,
});

describe("connection form", () => {
  it("starts web services on the public proxy and others on the default route", () => {
    assert.equal(newForm(service({ web: true }), DEFAULT_SETTINGS, null).route, "public");
    assert.equal(newForm(service(), DEFAULT_SETTINGS, null).route, "adaptive");
    const proxyFirst = { ...DEFAULT_SETTINGS, defaultRoute: "proxy" as const };
    assert.equal(newForm(service(), proxyFirst, null).route, "proxy");
    const form = newForm(
      service(),
      { ...DEFAULT_SETTINGS, defaultIdleTimeoutMinutes: 5 },
      "1.2.3.4",
    );
    assert.equal(form.idleMinutes, "5");
    assert.equal(form.publicIp, "1.2.3.4", "a restricted public proxy is prefilled with my IP");
  });

  it("sends a blank port and templates as 'pick one' and 'the type's default'", () => {
    assert.deepEqual(formFields(fresh()), {
      name: "shell",
      route: "adaptive",
      copyTemplate: null,
      launchTemplate: null,
      bind: "127.0.0.1",
      restrict: "none",
      idleTimeout: 900,
    });
  });

  it("shares on the LAN with each kind of local network security", () => {
    const lan = fresh({ bindChoice: "lan", port: "40022", idleMinutes: "0" });
    assert.deepEqual(
      [
        formFields({ ...lan, restrictChoice: "latching" }),
        formFields({ ...lan, restrictChoice: "ip", restrictValue: " 192.168.1.7 " }),
        formFields({ ...lan, restrictChoice: "subnet", restrictValue: "192.168.1.0/24" }),
      ].map((f) => [f.bind, f.restrict, f.port, f.idleTimeout]),
      [
        ["0.0.0.0", "latching", 40022, 0],
        ["0.0.0.0", "192.168.1.7", 40022, 0],
        ["0.0.0.0", "192.168.1.0/24", 40022, 0],
      ],
    );
    const typed = formFields(fresh({ bindChoice: "custom", bindAddress: "127.0.0.2" }));
    assert.equal(typed.bind, "127.0.0.2");
    const localOnly = formFields(fresh({ restrictChoice: "latching" }));
    assert.equal(localOnly.restrict, "none", "this computer only needs no restriction");
  });

  it("sends only the public proxy's fields for the public route", () => {
    assert.deepEqual(
      formFields(fresh({ route: "public", publicMode: "restricted", publicIp: "203.0.113.9" })),
      {
        name: "shell",
        route: "public",
        copyTemplate: null,
        launchTemplate: null,
        publicMode: "restricted",
        publicIp: "203.0.113.9",
      },
    );
    assert.equal(formFields(fresh({ route: "public", publicMode: "latching" })).publicIp, null);
  });

  it("says what is wrong with each field in use, and nothing about hidden ones", () => {
    assert.deepEqual(formProblems(fresh()), {});
    assert.deepEqual(
      Object.keys(
        formProblems(
          fresh({
            name: " ",
            port: "70000",
            bindChoice: "custom",
            bindAddress: "here",
            restrictChoice: "subnet",
            restrictValue: "192.168.1.0/33",
            idleMinutes: "-1",
          }),
        ),
      ).sort(),
      ["bindAddress", "idleMinutes", "name", "port", "restrictValue"],
    );
    assert.deepEqual(
      formProblems(fresh({ restrictChoice: "ip", restrictValue: "nope" })),
      {},
      "the restriction is hidden for this computer only",
    );
    assert.deepEqual(
      formProblems(
        fresh({ route: "public", port: "x", publicMode: "restricted", publicIp: "1.2.3" }),
      ),
      { publicIp: "Enter one IPv4 or IPv6 address." },
    );
  });

  it("reads CIDRs strictly", () => {
    assert.equal(isCidr("192.168.1.0/24"), true);
    assert.equal(isCidr("fd00::/8"), true);
    assert.equal(isCidr("192.168.1.0"), false);
    assert.equal(isCidr("192.168.1.0/33"), false);
    assert.equal(isCidr("192.168.1/24"), false);
    assert.equal(isCidr("10.0.0.0/8/8"), false);
  });

  it("prefills Edit from the saved connection, and sends it back unchanged", () => {
    const view = savedView({
      port: 40022,
      bind: "0.0.0.0",
      restrict: "10.0.0.0/8",
      idleTimeout: 0,
      launchTemplate: "ssh://[username]@[host]:[port]",
    });
    const form = formOf(view, null);
    assert.equal(form.bindChoice, "lan");
    assert.equal(form.restrictChoice, "subnet");
    assert.deepEqual(formFields(form), {
      name: "shell",
      route: "adaptive",
      copyTemplate: null,
      launchTemplate: "ssh://[username]@[host]:[port]",
      port: 40022,
      bind: "0.0.0.0",
      restrict: "10.0.0.0/8",
      idleTimeout: 0,
    });
    assert.equal(
      formOf(savedView({ bind: "192.168.1.5", restrict: "192.168.1.9" }), null).restrictChoice,
      "ip",
    );
    assert.equal(formOf(savedView({ bind: "192.168.1.5" }), null).bindAddress, "192.168.1.5");
  });

  it("offers this computer's LAN addresses as bind choices of their own", () => {
    const lan = ["192.168.1.20"];
    const atLan = { ...fresh(), ...bindPatch("at:192.168.1.20", fresh(), lan) };
    assert.equal(bindPick(atLan, lan), "at:192.168.1.20");
    assert.equal(formFields(atLan).bind, "192.168.1.20");
    const another = { ...atLan, ...bindPatch("custom", atLan, lan) };
    assert.deepEqual(
      [another.bindChoice, another.bindAddress, bindPick(another, lan)],
      ["custom", "", "custom"],
    );
    const typed = { ...another, bindAddress: "10.0.0.5" };
    assert.equal(bindPatch("custom", typed, lan).bindAddress, "10.0.0.5", "kept when typed");
    assert.equal(bindPick(fresh({ bindChoice: "lan" }), lan), "lan");
    assert.deepEqual(bindPatch("local", atLan, lan), { bindChoice: "local" });
    assert.equal(
      bindPick(formOf(savedView({ bind: "192.168.1.20" }), null), lan),
      "at:192.168.1.20",
    );
  });
});
