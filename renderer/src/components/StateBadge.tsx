// A state in words with a matching colour and icon: "online", "connected P2P", "expired".
// The icon is decoration (hidden from screen readers); the words carry the meaning.
import {
  CircleCheck,
  CircleDot,
  CircleX,
  Globe,
  LoaderCircle,
  type LucideIcon,
  WifiOff,
} from "lucide-react";
import type { Tone } from "../lib/state-tone.js";

const ICONS: Record<Tone, LucideIcon> = {
  ok: CircleCheck,
  bad: CircleX,
  muted: CircleDot,
  info: LoaderCircle,
};

export interface StateBadgeProps {
  tone: Tone;
  children: string;
  /** Extra classes the tests and styles find the state by (state, online, offline). */
  className?: string;
  /** An icon other than the tone's own (a globe for public, a crossed-out wifi for offline). */
  icon?: LucideIcon;
}

export function StateBadge({ tone, children, className, icon }: StateBadgeProps) {
  const Icon = icon ?? ICONS[tone];
  return (
    <span className={`badge ${tone}${className ? ` ${className}` : ""}`}>
      <Icon aria-hidden="true" size={12} strokeWidth={2.5} />
      {children}
    </span>
  );
}

export const OFFLINE_ICON = WifiOff;
export const PUBLIC_ICON = Globe;
