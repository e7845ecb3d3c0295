// One service of a device: its name, type and port, online or offline in words, and the
// button that opens its connect panel below it.
import { Plug } from "lucide-react";
import type { ComponentPropsWithRef } from "react";
import type { DeviceView, ServiceView } from "../../../common/desktop-api.js";
import { useStore } from "../store.js";
import { ConnectPanel } from "./ConnectPanel.js";
import { OFFLINE_ICON, StateBadge } from "./StateBadge.js";

export interface ServiceRowProps extends ComponentPropsWithRef<"li"> {
  device: DeviceView;
  service: ServiceView;
}

/** The `li` props (ref, position, class) come from a virtual list placing the row. */
export function ServiceRow({ device, service, className, ...placed }: ServiceRowProps) {
  const open = useStore((s) => s.connecting === service.id);
  const openConnect = useStore((s) => s.openConnect);
  return (
    <li
      {...placed}
      className={className ? `service ${className}` : "service"}
      aria-label={`${service.name} on ${device.name}`}
    >
      <div className="service-row">
        <div className="service-text">
          <span className="service-name">{service.name}</span>
          <span className="service-meta">
            <span className="service-type">{service.type}</span>
            <span className="service-port">port {service.port}</span>
          </span>
        </div>
        <StateBadge
          className={service.online ? "online" : "offline"}
          tone={service.online ? "ok" : "muted"}
          icon={service.online ? undefined : OFFLINE_ICON}
        >
          {service.online ? "online" : "offline"}
        </StateBadge>
        <button
          type="button"
          disabled={!service.online}
          aria-expanded={open}
          aria-label={`Connect to ${service.name} on ${device.name}`}
          onClick={() => openConnect(open ? null : service.id)}
        >
          <Plug aria-hidden="true" size={14} />
          <span className="button-text">Connect…</span>
        </button>
      </div>
      {open && <ConnectPanel service={service} close={() => openConnect(null)} />}
    </li>
  );
}
