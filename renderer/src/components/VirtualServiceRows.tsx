// A long service list (a thousand services) with only the rows on screen in the page: a
// scrolling list whose rows keep their list semantics (position and size told to screen
// readers) and are measured as they render, so an open connect panel pushes the rest down.
import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef } from "react";
import type { ServiceListRow } from "../lib/service-rows.js";
import { DeviceHeading } from "./DeviceHeading.js";
import { ServiceRow } from "./ServiceRow.js";

export function VirtualServiceRows({ rows }: { rows: ServiceListRow[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (index) => (rows[index]?.kind === "device" ? 40 : 50),
    getItemKey: (index) => rows[index]?.key ?? index,
    overscan: 10,
  });

  return (
    <div ref={scroller} className="virtual-scroll">
      <ul
        aria-label="Services"
        className="virtual-list"
        style={{ height: `${virtualizer.getTotalSize()}px` }}
      >
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          const placed = {
            ref: virtualizer.measureElement,
            "data-index": item.index,
            "aria-setsize": rows.length,
            "aria-posinset": item.index + 1,
            style: { transform: `translateY(${item.start}px)` },
          };
          return row.kind === "device" ? (
            <li key={row.key} className="virtual-row device" {...placed}>
              <DeviceHeading device={row.device} />
            </li>
          ) : (
            <ServiceRow
              key={row.key}
              device={row.device}
              service={row.service}
              className="virtual-row"
              {...placed}
            />
          );
        })}
      </ul>
    </div>
  );
}
