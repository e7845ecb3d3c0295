// The connect panel's form as plain data: what a new connection starts with, what an
// existing one is edited from, the comfort checks shown beside the fields, and the payload
// sent to the core (which checks everything again and has the last word).
import type { ServiceView } from "../../../common/desktop-api.js";
import type { DesktopSettings } from "../../../common/desktop-settings.js";
import { type HostIpMode, ipVersion } from "../../../common/host-ip.js";
import { DEFAULT_BIND, type OnDemandSpec, type Route } from "../../../common/on-demand.js";
import { isPort, isSingleAddress } from "./input-checks.js";

/** This computer only (127.0.0.1), every address (0.0.0.0, the LAN), or a typed address. */
export type BindChoice = "local" | "lan" | "custom";
/** Local network security: anyone, the first address, one address, or a subnet. */
export type RestrictChoice = "none" | "latching" | "ip" | "subnet";

export const LAN_BIND = "0.0.0.0";

export interface ConnectionForm {
  route: Route;
  name: string;
  /** "" = a free port. */
  port: string;
  bindChoice: BindChoice;
  bindAddress: string;
  restrictChoice: RestrictChoice;
  /** The address or CIDR for "ip" and "subnet". */
  restrictValue: string;
  idleMinutes: string;
  /** "" = the service type's default. */
  copyTemplate: string;
  launchTemplate: string;
  publicMode: HostIpMode;
  publicIp: string;
}

export type FormProblems = Partial<Record<keyof ConnectionForm, string>>;

/** The route a new connection starts on: public for web services, else the user's default. */
export function defaultRoute(service: Pick<ServiceView, "web">, settings: DesktopSettings): Route {
  return service.web ? "public" : settings.defaultRoute;
}

export function newForm(
  service: Pick<ServiceView, "web" | "name">,
  settings: DesktopSettings,
  myIp: string | null,
): ConnectionForm {
  return {
    route: defaultRoute(service, settings),
    name: service.name,
    port: "",
    bindChoice: "local",
    bindAddress: "",
    restrictChoice: "none",
    restrictValue: "",
    idleMinutes: String(settings.defaultIdleTimeoutMinutes),
    copyTemplate: "",
    launchTemplate: "",
    publicMode: "public",
    publicIp: myIp ?? "",
  };
}

/** The form prefilled from a saved connection, for Edit. */
export function formOf(spec: OnDemandSpec, myIp: string | null): ConnectionForm {
  const bindChoice: BindChoice =
    spec.bind === DEFAULT_BIND ? "local" : spec.bind === LAN_BIND ? "lan" : "custom";
  const restrictChoice: RestrictChoice =
    spec.restrict === "none" || spec.restrict === "latching"
      ? spec.restrict
      : spec.restrict.includes("/")
        ? "subnet"
        : "ip";
  return {
    route: spec.route,
    name: spec.name,
    port: String(spec.port),
    bindChoice,
    bindAddress: bindChoice === "custom" ? spec.bind : "",
    restrictChoice,
    restrictValue: restrictChoice === "ip" || restrictChoice === "subnet" ? spec.restrict : "",
    // Whole minutes: a timeout set in seconds from the CLI shows rounded.
    idleMinutes: String(Math.round(spec.idleTimeout / 60)),
    copyTemplate: spec.copyTemplate ?? "",
    launchTemplate: spec.launchTemplate ?? "",
    publicMode: spec.publicMode,
    publicIp: spec.publicIp ?? myIp ?? "",
  };
}

/** A CIDR such as 192.168.1.0/24 or fd00::/8: an address, a slash, a prefix length that fits. */
export function isCidr(value: string): boolean {
  const [address, prefix, extra] = value.trim().split("/");
  if (address === undefined || prefix === undefined || extra !== undefined) return false;
  const version = ipVersion(address);
  if (version === 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/** What is visibly wrong with the fields in use, each as a sentence for beside the field. */
export function formProblems(form: ConnectionForm): FormProblems {
  const problems: FormProblems = {};
  if (form.name.trim() === "") problems.name = "Give the connection a name.";
  if (form.route === "public") {
    if (form.publicMode === "restricted" && !isSingleAddress(form.publicIp)) {
      problems.publicIp = "Enter one IPv4 or IPv6 address.";
    }
    return problems;
  }
  if (form.port.trim() !== "" && !isPort(form.port.trim())) {
    problems.port = "Enter a port from 1 to 65535, or leave it blank for a free one.";
  }
  if (form.bindChoice === "custom" && ipVersion(form.bindAddress.trim()) === 0) {
    problems.bindAddress = "Enter one of this computer's IPv4 or IPv6 addresses.";
  }
  if (form.bindChoice !== "local") {
    if (form.restrictChoice === "ip" && ipVersion(form.restrictValue.trim()) === 0) {
      problems.restrictValue = "Enter the one IPv4 or IPv6 address allowed.";
    }
    if (form.restrictChoice === "subnet" && !isCidr(form.restrictValue)) {
      problems.restrictValue = "Enter a subnet such as 192.168.1.0/24.";
    }
  }
  const minutes = form.idleMinutes.trim();
  if (!/^\d{1,5}$/.test(minutes) || Number(minutes) > 7 * 24 * 60) {
    problems.idleMinutes = "Enter whole minutes from 0 (never) to 10080 (a week).";
  }
  return problems;
}

/** The fields of addOnDemand and updateOnDemand that this form sets. */
export interface ConnectionFields {
  name: string;
  route: Route;
  port?: number;
  bind?: string;
  restrict?: string;
  idleTimeout?: number;
  copyTemplate?: string | null;
  launchTemplate?: string | null;
  publicMode?: HostIpMode;
  publicIp?: string | null;
}

/**
 * The payload for the form as it stands. A public route sends only what it uses, so a
 * local route's settings stay as they were should the user switch back.
 */
export function formFields(form: ConnectionForm): ConnectionFields {
  const common = {
    name: form.name.trim(),
    route: form.route,
    copyTemplate: form.copyTemplate.trim() || null,
    launchTemplate: form.launchTemplate.trim() || null,
  };
  if (form.route === "public") {
    return {
      ...common,
      publicMode: form.publicMode,
      publicIp: form.publicMode === "restricted" ? form.publicIp.trim() : null,
    };
  }
  const port = form.port.trim();
  const bind =
    form.bindChoice === "local"
      ? DEFAULT_BIND
      : form.bindChoice === "lan"
        ? LAN_BIND
        : form.bindAddress.trim();
  return {
    ...common,
    ...(port ? { port: Number(port) } : {}),
    bind,
    restrict: bind === DEFAULT_BIND ? "none" : restrictionOf(form),
    idleTimeout: Number(form.idleMinutes.trim()) * 60,
  };
}

function restrictionOf(form: ConnectionForm): string {
  if (form.restrictChoice === "ip" || form.restrictChoice === "subnet") {
    return form.restrictValue.trim();
  }
  return form.restrictChoice;
}

/**
 * The bind radio's value: "local", "lan", "at:<address>" for one of this computer's LAN
 * addresses (DesktopState.lanAddresses), or "custom" for an address typed in.
 */
export function bindPick(form: ConnectionForm, lanAddresses: string[]): string {
  const typed = form.bindAddress.trim();
  if (form.bindChoice === "custom" && lanAddresses.includes(typed)) return `at:${typed}`;
  return form.bindChoice;
}

/** What picking a bind radio changes in the form. */
export function bindPatch(
  pick: string,
  form: ConnectionForm,
  lanAddresses: string[],
): Partial<ConnectionForm> {
  if (pick.startsWith("at:")) return { bindChoice: "custom", bindAddress: pick.slice(3) };
  if (pick === "custom") {
    // From a listed address to "another": the field starts empty rather than repeating it.
    const typed = lanAddresses.includes(form.bindAddress.trim()) ? "" : form.bindAddress;
    return { bindChoice: "custom", bindAddress: typed };
  }
  return { bindChoice: pick === "lan" ? "lan" : "local" };
}
