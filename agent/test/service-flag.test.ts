import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseServiceFlag } from "../service-flag.js";

describe("--service NAME=TYPE:PORT[@HOST]", () => {
  it("parses names, remote.it types, ports and hosts", () => {
    assert.deepEqual(parseServiceFlag("web=http:8080"), {
      name: "web",
      application: 7,
      port: 8080,
      host: "127.0.0.1",
    });
    assert.deepEqual(parseServiceFlag("shell=ssh:22"), {
      name: "shell",
      application: 28,
      port: 22,
      host: "127.0.0.1",
    });
    assert.deepEqual(parseServiceFlag("db=postgres:5432@10.0.0.5"), {
      name: "db",
      application: 46,
      port: 5432,
      host: "10.0.0.5",
    });
    assert.deepEqual(parseServiceFlag("desk=RDP:3389"), {
      name: "desk",
      application: 5,
      port: 3389,
      host: "127.0.0.1",
    });
  });

  it("names the problem in bad flags", () => {
    assert.throws(() => parseServiceFlag("web"), /NAME=TYPE:PORT/);
    assert.throws(() => parseServiceFlag("web=gopher:70"), /unknown type "gopher"/);
    assert.throws(() => parseServiceFlag("web=http:70000"), /port/);
    assert.throws(() => parseServiceFlag("we b=http:80"), /NAME=TYPE:PORT|name/);
  });
});
