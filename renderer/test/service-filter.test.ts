import assert from "node:assert/strict";
import { describe, it } from "vitest";
import type { DeviceView, ServiceView } from "../../common/desktop-api.js";
import { servicesMatching } from "../src/lib/service-filter.js";

const service = (name: string, type: string, port: number): ServiceView => ({
  id: name,
  name,
  type,
  application: 28,
  port,
  host: "127.0.0.1",
  link: null,
  online: true,
  web: false,
});

const laptop: DeviceView = {
  id: "D1",
  name: "Laptop",
  online: true,
  services: [service("shell", "SSH", 22), service("Grafana", "HTTP", 3000)],
};

const names = (text: string) => servicesMatching(laptop, text).map((s) => s.name);

describe("service filter", () => {
  it("keeps every service for no text", () => {
    assert.deepEqual(names(""), ["shell", "Grafana"]);
  });

  it("matches the device name, the service's name, type or port, in any case", () => {
    assert.deepEqual(names("laptop"), ["shell", "Grafana"]);
    assert.deepEqual(names("grafana"), ["Grafana"]);
    assert.deepEqual(names("ssh"), ["shell"]);
    assert.deepEqual(names("3000"), ["Grafana"]);
    assert.deepEqual(names("postgres"), []);
  });
});
