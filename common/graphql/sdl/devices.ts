// Devices and their services, as remote.it's login { devices … } lists them.
export const devicesSdl = /* GraphQL */ `
  type Service {
    id: String!
    name: String!
    "remote.it's application type name, e.g. SSH or HTTP."
    type: String!
    "remote.it's application type number, e.g. 28 for SSH, 7 for HTTP."
    application: Int!
    port: Int!
    host: String!
    "active while the device's agent is connected, inactive otherwise."
    state: String!
  }

  type Device {
    id: String!
    name: String!
    hardwareId: String!
    created: String!
    state: String!
    services: [Service!]!
  }

  type DeviceList {
    total: Int!
    hasMore: Boolean!
    items: [Device!]!
  }

  type User {
    devices(size: Int = 100, from: Int = 0): DeviceList!
  }
`;
