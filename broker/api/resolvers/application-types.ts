// applicationTypes, at the top level and under login: Reach's service-type table as
// remote.it's clients read it.
import { SERVICE_TYPES } from "../../../common/service-types.js";

const APPLICATION_TYPES = SERVICE_TYPES.map((type) => ({
  id: type.application,
  name: type.name,
  description: type.description,
  port: type.port,
  proxy: type.web,
  protocol: type.protocol,
  scheme: type.scheme,
}));

export function applicationTypeResolvers() {
  return {
    Query: { applicationTypes: () => APPLICATION_TYPES },
    User: { applicationTypes: () => APPLICATION_TYPES },
  };
}
