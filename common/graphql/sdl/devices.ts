// Devices and their services, with remote.it's names, arguments, defaults and types:
// login { devices(…) }, login { device(id:) }, login { service(id:) } and login { account }.
export const devicesSdl = /* GraphQL */ `
  type Service {
    id: ID!
    name: String!
    "Application Type ID, as remote.it spells it: the application number as a string, e.g. \\"28\\"."
    type: String
    "Application Type Title: the type's display name, e.g. SSH or HTTP."
    title: String
    "The application type number, e.g. 28 for SSH, 7 for HTTP."
    application: Int
    port: Int
    host: String
    "active while the device's agent is connected, inactive otherwise."
    state: String!
    online: Boolean!
    "Always true: Reach has no disabled services."
    enabled: Boolean!
    "When the device's agent last reported (ISO 8601)."
    lastReported: String
    created: String
  }

  type DeviceTag {
    name: String!
  }

  enum ListOperator {
    ANY
    ALL
  }

  "A filter on a list field: match any of the values, or all of them."
  input ListFilter {
    operator: ListOperator! = ANY
    values: [String!]!
  }

  type Device {
    id: ID!
    name: String!
    hardwareId: String
    created: String
    "active while the device's agent is connected, inactive otherwise."
    state: String!
    online: Boolean!
    "Always true: Reach has no disabled devices."
    enabled: Boolean!
    "When the agent last reported: its hello, then its control channel's messages and disconnect (ISO 8601)."
    lastReported: String
    "Set by reach agent --tag."
    tags: [DeviceTag!]!
    "The device's services by name; with application, only those of these types."
    services(application: [Int!]): [Service!]!
  }

  type PaginatedDeviceResponse {
    items: [Device!]!
    hasMore: Boolean!
    total: Int!
  }

  type User {
    "The caller's own view, by their id or email (both absent = own); anyone else's is NOT_FOUND."
    account(id: String, email: String): User
    "The caller's devices among these ids; others' ids are left out."
    device(id: [String!]!): [Device!]
    "The caller's services among these ids; others' ids are left out."
    service(id: [String!]!): [Service!]
    """
    The caller's devices, filtered and paged: size 1 to 1000; sort one of name, created,
    state, lastReported, with a leading - for descending; name a case-insensitive
    substring; state active or inactive; application the types of a service they have.
    """
    devices(
      sort: String! = "name"
      from: Int = 0
      size: Int = 100
      application: [Int!]
      hardwareId: String
      id: [String!]
      name: String
      owner: Boolean
      "Accepted as remote.it's clients send it; Reach records no platform, so it filters nothing."
      platform: [Int!]
      state: String
      "Devices with any (operator ANY) or all (ALL) of these tag names."
      tag: ListFilter
    ): PaginatedDeviceResponse!
  }
`;
