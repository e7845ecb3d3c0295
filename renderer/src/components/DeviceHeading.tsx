// A device's name with online or offline in words, heading its services.
import { Server } from "lucide-react";
import type { DeviceView } from "../../../common/desktop-api.js";
import { OFFLINE_ICON, StateBadge } from "./StateBadge.js";

export function DeviceHeading({ device }: { device: DeviceView }) {
  return (
    <h3 className="device-heading">
      <Server aria-hidden="true" size={14} />
      <span className="device-title">{device.name}</span>
      <StateBadge
        className={device.online ? "online" : "offline"}
        tone={device.online ? "ok" : "muted"}
        icon={device.online ? undefined : OFFLINE_ICON}
      >
        {device.online ? "online" : "offline"}
      </StateBadge>
    </h3>
  );
}
