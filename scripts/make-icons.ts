// Draws Reach's icons (a ring: a service reached from afar) into assets/, one tray icon per
// state the tray shows (main/core/tray-icon-state.ts): idle (a dot in the ring), connected
// (the ring filled), problem (an exclamation mark in the ring). Each state differs in shape,
// not only colour, so macOS's monochrome template images and colour-blind users tell them
// apart. Per variant: tray-<v>.png for Linux, tray-<v>Template.png (+@2x) for macOS,
// tray-<v>.ico (16 and 32 px) for Windows; icon.png and icon.ico for the installers.
// Run with `node --import tsx scripts/make-icons.ts`; the output is committed.
import { renameSync, writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import type { TrayIconVariant } from "../main/core/tray-icon-state.js";

type Rgb = [number, number, number];
/** Whether a point of the icon is inked; x and y run from -1 to 1 across it. */
type Shape = (x: number, y: number) => boolean;

function crc32(buffer: Buffer): number {
  let crc = ~0;
  for (const byte of buffer) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const ring: Shape = (x, y) => {
  const d = Math.hypot(x, y);
  return d > 0.66 && d < 0.94;
};

const shapes: Record<TrayIconVariant, Shape> = {
  idle: (x, y) => ring(x, y) || Math.hypot(x, y) < 0.26,
  connected: (x, y) => ring(x, y) || Math.hypot(x, y) < 0.5,
  problem: (x, y) =>
    ring(x, y) || (Math.abs(x) < 0.11 && y > -0.46 && y < 0.1) || Math.hypot(x, y - 0.3) < 0.12,
};

/** A square RGBA PNG; each pixel's alpha is the inked share of 4×4 samples (antialiased). */
function png(size: number, rgb: Rgb, shape: Shape): Buffer {
  const rows: Buffer[] = [];
  const samples = 4;
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let px = 0; px < size; px++) {
      let inked = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = ((px + (sx + 0.5) / samples) / size) * 2 - 1;
          const y = ((py + (sy + 0.5) / samples) / size) * 2 - 1;
          if (shape(x, y)) inked++;
        }
      }
      row.set([...rgb, Math.round((255 * inked) / samples ** 2)], 1 + px * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** An .ico holding PNG images (supported since Windows Vista), one per size. */
function ico(images: { size: number; data: Buffer }[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map(({ size, data }) => {
    const entry = Buffer.alloc(16);
    entry.set([size >= 256 ? 0 : size, size >= 256 ? 0 : size, 0, 0], 0);
    entry.writeUInt16LE(1, 4);
    entry.writeUInt16LE(32, 6);
    entry.writeUInt32LE(data.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += data.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...images.map((image) => image.data)]);
}

/** Written to a temporary file and renamed, so an interrupted run leaves no half icon. */
function write(path: string, data: Buffer): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

// Colours readable on light and dark taskbars; the shape carries the meaning as well.
const colours: Record<TrayIconVariant, Rgb> = {
  idle: [11, 99, 206],
  connected: [22, 150, 80],
  problem: [214, 69, 34],
};
const black: Rgb = [0, 0, 0];

for (const variant of Object.keys(shapes) as TrayIconVariant[]) {
  const shape = shapes[variant];
  const colour = colours[variant];
  write(`assets/tray-${variant}.png`, png(32, colour, shape));
  write(`assets/tray-${variant}Template.png`, png(16, black, shape));
  write(`assets/tray-${variant}Template@2x.png`, png(32, black, shape));
  write(
    `assets/tray-${variant}.ico`,
    ico([16, 32].map((size) => ({ size, data: png(size, colour, shape) }))),
  );
}
write("assets/icon.png", png(512, colours.idle, shapes.idle));
write("assets/icon.ico", ico([{ size: 256, data: png(256, colours.idle, shapes.idle) }]));
