// The device and service surface as remote.it's own clients send it, against a real broker
// with real agents: the docs' device list, code_samples, conor-f, nphamvn, the Rust crate,
// sdk-go and the desktop, each document written from its public description.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  errorCode,
  eventually,
  startStack,
  type TestAgent,
  type TestStack,
} from "../../test-support/stack.js";

interface ServiceJson {
  id: string;
  name: string;
  [field: string]: unknown;
}
interface DeviceJson {
  id: string;
  name: string;
  services: ServiceJson[];
  [field: string]: unknown;
}
interface DevicePage {
  total: number;
  hasMore: boolean;
  items: DeviceJson[];
}
type DevicesReply = { login: { devices: DevicePage } };

/** The desktop's DeviceList variables and arguments (its column selection trimmed to Reach's fields). */
const DESKTOP_DEVICE_LIST = `query DeviceList($size: Int, $from: Int, $name: String, $state: String, $tag: ListFilter,
    $accountId: String, $sort: String, $owner: Boolean, $application: [Int!], $platform: [Int!]) {
  login { id account(id: $accountId) {
    devices(size: $size, from: $from, name: $name, state: $state, tag: $tag, sort: $sort, owner: $owner,
            application: $application, platform: $platform) {
      total items { id name state services { id name state title application host port } } } } } }`;

describe("devices as remote.it's clients list them", () => {
  let stack: TestStack;
  let garage: TestAgent;
  let nasId: string;
  let bobServiceId: string;
  let nasReportedAtHello: string;

  before(async () => {
    stack = await startStack({
      users: ["alice@example.com", "bob@example.com"],
      services: [
        { name: "ssh", application: 28, target: "echo" },
        { name: "web", application: 7, target: "web" },
      ],
      agent: { name: "kitchen-pi", tags: ["lab", "home"] },
    });
    garage = await stack.startAgent(
      [{ name: "ssh", application: 28, port: stack.echo.port, host: "127.0.0.1" }],
      { name: "Garage-PI" },
    );
    const nas = await stack.startAgent(
      [{ name: "files", application: 1, port: stack.echo.port, host: "127.0.0.1" }],
      { name: "nas" },
    );
    nasId = (await nas.ready).deviceId;
    nasReportedAtHello = await lastReportedOf(nasId);
    await nas.stop();
    const bob = stack.users[1];
    assert.ok(bob);
    const bobs = await stack.startAgent(
      [{ name: "ssh", application: 28, port: stack.echo.port, host: "127.0.0.1" }],
      { name: "bob-pi" },
      bob,
    );
    bobServiceId = bobs.serviceId("ssh");
    await eventually(async () => (await stateOf(nasId)) === "inactive");
  });
  after(() => stack.stop());

  async function lastReportedOf(id: string): Promise<string> {
    const reply = await stack.user.api<{ login: { device: { lastReported: string }[] } }>(
      `{ login { device(id: ${JSON.stringify(id)}) { lastReported } } }`,
    );
    return reply.data?.login.device[0]?.lastReported ?? "";
  }
  async function stateOf(id: string): Promise<string> {
    const reply = await stack.user.api<{ login: { device: { state: string }[] } }>(
      `{ login { device(id: ${JSON.stringify(id)}) { state } } }`,
    );
    return reply.data?.login.device[0]?.state ?? "";
  }
  async function devices(query: string, variables?: Record<string, unknown>): Promise<DevicePage> {
    const reply = await stack.user.api<DevicesReply>(query, variables);
    assert.equal(reply.errors, undefined, JSON.stringify(reply.errors));
    assert.ok(reply.data);
    return reply.data.login.devices;
  }
  const names = (page: DevicePage) => page.items.map((d) => d.name);

  it("the docs' device list: size 1000 from 0 sorted by name, only the caller's devices", async () => {
    const page = await devices(
      `query getDevices($size: Int, $from: Int, $sort: String) {
        login { devices(size: $size, from: $from, sort: $sort) {
          total hasMore items { id name hardwareId created services { id name } } } } }`,
      { size: 1000, from: 0, sort: "name" },
    );
    assert.deepEqual(names(page), ["Garage-PI", "kitchen-pi", "nas"]);
    assert.equal(page.total, 3);
    assert.equal(page.hasMore, false);
    const kitchen = page.items[1];
    assert.deepEqual(
      kitchen?.services.map((s) => s.name),
      ["ssh", "web"],
    );
    assert.match(String(kitchen?.hardwareId), /.{8,}/);
    assert.ok(!Number.isNaN(Date.parse(String(kitchen?.created))));
  });

  it("the docs' $state/$name variant filters by state and a case-insensitive name", async () => {
    const document = `query getDevices($size: Int, $from: Int, $sort: String, $state: String, $name: String) {
      login { devices(size: $size, from: $from, sort: $sort, state: $state, name: $name) {
        total hasMore items { id name hardwareId created services { id name } } } } }`;
    const active = await devices(document, {
      size: 1000,
      from: 0,
      sort: "name",
      state: "active",
      name: "PI",
    });
    assert.deepEqual(names(active), ["Garage-PI", "kitchen-pi"]);
    assert.equal(active.total, 2);
    const inactive = await devices(document, {
      size: 1000,
      from: 0,
      sort: "name",
      state: "inactive",
      name: null,
    });
    assert.deepEqual(names(inactive), ["nas"]);
  });

  it("code_samples' Get Devices and Services: -created, name pi, services(application: 28)", async () => {
    const page =
      await devices(`query { login { devices(size: 10, sort: "-created", from: 0, name: "pi") {
      hasMore total items { id name state lastReported
        services(application: 28) { id name host enabled port state } } } } }`);
    assert.deepEqual(names(page), ["Garage-PI", "kitchen-pi"]);
    assert.equal(page.total, 2);
    const kitchen = page.items[1];
    assert.equal(kitchen?.state, "active");
    assert.ok(!Number.isNaN(Date.parse(String(kitchen?.lastReported))));
    assert.deepEqual(kitchen?.services, [
      {
        id: stack.agent.serviceId("ssh"),
        name: "ssh",
        host: "127.0.0.1",
        enabled: true,
        port: stack.echo.port,
        state: "active",
      },
    ]);
  });

  it("conor-f's devices(name:) and nphamvn's tags { name }", async () => {
    const conor = await devices(
      `query { login { devices(name: "garage-pi") { items { id name services { id name } } } } }`,
    );
    assert.deepEqual(names(conor), ["Garage-PI"]);
    assert.deepEqual(conor.items[0]?.services, [{ id: garage.serviceId("ssh"), name: "ssh" }]);
    const nphamvn = await devices(
      "{ login { devices (size: 1000, from: 0) { items { id name tags { name } services { id name} } } } }",
    );
    const tags = Object.fromEntries(nphamvn.items.map((d) => [d.name, d.tags]));
    assert.deepEqual(tags, {
      "Garage-PI": [],
      "kitchen-pi": [{ name: "home" }, { name: "lab" }],
      nas: [],
    });
  });

  it("the Rust crate's GetDevices (without access, attributes, categoryA–E) under account(id: null)", async () => {
    const reply = await stack.user.api<{ login: { account: { devices: DevicePage } } }>(
      `query GetDevices($orgId: String, $limit: Int, $offset: Int, $state: String) {
        login { account(id: $orgId) { devices (size: $limit, from: $offset, state: $state) {
          hasMore total items { id name online created state lastReported tags { name }
            services { id name created application enabled } } } } } }`,
      { orgId: null, limit: 2, offset: 0, state: null },
    );
    assert.equal(reply.errors, undefined, JSON.stringify(reply.errors));
    const page = reply.data?.login.account.devices;
    assert.equal(page?.total, 3);
    assert.equal(page?.hasMore, true);
    assert.deepEqual(
      page?.items.map((d) => [d.name, d.online]),
      [
        ["Garage-PI", true],
        ["kitchen-pi", true],
      ],
    );
    const web = page?.items[1]?.services.find((s) => s.name === "web");
    assert.equal(web?.application, 7);
    assert.equal(web?.enabled, true);
    assert.ok(!Number.isNaN(Date.parse(String(web?.created))));
  });

  it("sdk-go's device(id:), service(id:) with one string or a list, and applicationTypes", async () => {
    const deviceId = (await stack.agent.ready).deviceId;
    const device = await stack.user.api<{ login: { device: DeviceJson[] } }>(
      `{ login { device(id: "${deviceId}") { id name services { id name } } } }`,
    );
    assert.deepEqual(device.data?.login.device, [
      {
        id: deviceId,
        name: "kitchen-pi",
        services: [
          { id: stack.agent.serviceId("ssh"), name: "ssh" },
          { id: stack.agent.serviceId("web"), name: "web" },
        ],
      },
    ]);
    const one = await stack.user.api<{ login: { service: { application: number }[] } }>(
      `{ login { service(id: "${stack.agent.serviceId("ssh")}") { application } } }`,
    );
    assert.deepEqual(one.data?.login.service, [{ application: 28 }]);
    const many = await stack.user.api<{ login: { service: ServiceJson[] } }>(
      `{ login { service(id: [ "${garage.serviceId("ssh")}", "${bobServiceId}", "${stack.agent.serviceId("web")}" ]) { id name } } }`,
    );
    assert.deepEqual(
      many.data?.login.service.map((s) => s.id).sort(),
      [garage.serviceId("ssh"), stack.agent.serviceId("web")].sort(),
    );
    const types = await stack.user.api<{ applicationTypes: Record<string, unknown>[] }>(
      "{ applicationTypes { id name description port proxy protocol } }",
    );
    const ssh = types.data?.applicationTypes.find((t) => t.id === 28);
    assert.deepEqual(ssh, {
      id: 28,
      name: "SSH",
      description: "Secure Shell",
      port: 22,
      proxy: false,
      protocol: "TCP",
    });
    assert.equal(types.data?.applicationTypes.find((t) => t.id === 7)?.proxy, true);
  });

  it("the desktop's DeviceList under login { id account(id: $accountId) } and its ApplicationTypes", async () => {
    const reply = await stack.user.api<{
      login: { id: string; account: { devices: DevicePage; applicationTypes: unknown[] } };
    }>(DESKTOP_DEVICE_LIST, {
      size: 50,
      from: 0,
      accountId: stack.user.userId,
      sort: "name",
      owner: true,
      application: [7],
    });
    assert.equal(reply.errors, undefined, JSON.stringify(reply.errors));
    assert.equal(reply.data?.login.id, stack.user.userId);
    const page = reply.data?.login.account.devices;
    assert.deepEqual(page && names(page), ["kitchen-pi"]);
    assert.deepEqual(
      page?.items[0]?.services.map((s) => [s.name, s.title, s.application, s.state]),
      [
        ["ssh", "SSH", 28, "active"],
        ["web", "HTTP", 7, "active"],
      ],
    );
    const types = await stack.user.api<{
      login: { account: { applicationTypes: { id: number; scheme: string }[] } };
    }>(
      `query ApplicationTypes($accountId: String) { login { account(id: $accountId) {
        applicationTypes { name id port proxy scheme protocol description } } } }`,
      { accountId: stack.user.userId },
    );
    assert.equal(
      types.data?.login.account.applicationTypes.find((t) => t.id === 28)?.scheme,
      "ssh",
    );
  });

  it("account: own id or email (any case) is the caller's view, another user's id is NOT_FOUND", async () => {
    const byEmail = await stack.user.api<{ login: { account: { id: string } } }>(
      `{ login { account(email: "ALICE@example.com") { id } } }`,
    );
    assert.equal(byEmail.data?.login.account.id, stack.user.userId);
    const bob = stack.users[1];
    const other = await stack.user.api(`{ login { account(id: "${bob?.userId}") { id } } }`);
    assert.equal(errorCode(other), "NOT_FOUND");
    const bobsDevices = await bob?.api<DevicesReply>(
      "{ login { devices { total items { name } } } }",
    );
    assert.deepEqual(
      bobsDevices?.data?.login.devices.items.map((d) => d.name),
      ["bob-pi"],
    );
  });

  it("a service's type is its application type id, its title the display name", async () => {
    const page = await devices(
      `{ login { devices(name: "kitchen") { items { lastReported
        services { name type title online enabled lastReported } } } } }`,
    );
    const kitchen = page.items[0];
    assert.deepEqual(
      kitchen?.services.map(({ lastReported, ...rest }) => rest),
      [
        { name: "ssh", type: "28", title: "SSH", online: true, enabled: true },
        { name: "web", type: "7", title: "HTTP", online: true, enabled: true },
      ],
    );
    assert.deepEqual(
      kitchen?.services.map((s) => s.lastReported),
      [kitchen?.lastReported, kitchen?.lastReported],
    );
  });

  it("pages across pages with total and hasMore consistent; sorts by state and lastReported", async () => {
    const document = `query ($size: Int, $from: Int, $sort: String!) { login { devices(size: $size, from: $from, sort: $sort) { total hasMore items { name } } } }`;
    const seen: string[] = [];
    for (const [from, hasMore] of [
      [0, true],
      [1, true],
      [2, false],
    ] as const) {
      const page = await devices(document, { size: 1, from, sort: "-name" });
      assert.equal(page.total, 3);
      assert.equal(page.hasMore, hasMore);
      seen.push(...names(page));
    }
    assert.deepEqual(seen, ["nas", "kitchen-pi", "Garage-PI"]);
    const past = await devices(document, { size: 10, from: 3, sort: "name" });
    assert.deepEqual(
      { total: past.total, hasMore: past.hasMore, items: past.items },
      { total: 3, hasMore: false, items: [] },
    );
    const byState = await devices(document, { size: null, from: null, sort: "-state" });
    assert.equal(byState.items[0]?.name, "nas");
    assert.equal(byState.total, 3);
    const byReport = await devices(document, { sort: "lastReported" });
    assert.equal(byReport.items.length, 3);
  });

  it("filters by id, hardwareId and owner", async () => {
    const deviceId = (await stack.agent.ready).deviceId;
    const byId = await devices(
      `query ($id: [String!]) { login { devices(id: $id) { total items { name hardwareId } } } }`,
      {
        id: [deviceId, "80:00:00:00:00:00:00:99"],
      },
    );
    assert.deepEqual(names(byId), ["kitchen-pi"]);
    const hardwareId = String(byId.items[0]?.hardwareId);
    const byHardware = await devices(
      `{ login { devices(hardwareId: ${JSON.stringify(hardwareId)}) { total items { name } } } }`,
    );
    assert.deepEqual(names(byHardware), ["kitchen-pi"]);
    const notOwned = await devices(
      "{ login { devices(owner: false) { total hasMore items { name } } } }",
    );
    assert.deepEqual(notOwned, { total: 0, hasMore: false, items: [] });
  });

  it("lastReported follows the agent: its hello, then its disconnect", async () => {
    // Its disconnect came after its hello, so lastReported moved on from the hello's time.
    await eventually(
      async () => Date.parse(await lastReportedOf(nasId)) > Date.parse(nasReportedAtHello),
    );
    const kitchen = await lastReportedOf((await stack.agent.ready).deviceId);
    assert.ok(Date.now() - Date.parse(kitchen) < 60_000);
  });

  it("every bad value is BAD_USER_INPUT naming the argument", async () => {
    for (const [args, argument] of [
      ["size: -1", "size"],
      ["size: 0", "size"],
      ["size: 100000", "size"],
      ["from: -1", "from"],
      [`state: "weird"`, "state"],
      [`sort: "bogus"`, "sort"],
      [`sort: "-bogus"`, "sort"],
      [`sort: "id"`, "sort"],
    ] as const) {
      const reply = await stack.user.api(`{ login { devices(${args}) { total } } }`);
      assert.equal(errorCode(reply), "BAD_USER_INPUT", args);
      assert.match(String(reply.errors?.[0]?.message), new RegExp(`^${argument} `), args);
      assert.equal(reply.data, null, args);
    }
  });

  it("the API's limits hold for what devices add: account nests no deeper than 8, aliases no more than 10", async () => {
    const nested = `{ login { ${"account { ".repeat(8)}id${" }".repeat(8)} } }`;
    const deep = await stack.user.api(nested);
    assert.equal(errorCode(deep), "BAD_USER_INPUT");
    assert.match(String(deep.errors?.[0]?.message), /depth limit of 8/);
    const aliases = Array.from({ length: 11 }, (_, i) => `d${i}: devices(size: 1000) { total }`);
    const aliased = await stack.user.api(`{ login { ${aliases.join(" ")} } }`);
    assert.ok(aliased.errors?.length, "11 aliased device lists must be refused");
    assert.equal(aliased.data ?? undefined, undefined);
  });
});
