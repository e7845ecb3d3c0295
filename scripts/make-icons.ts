// Draws Reach's icons (a ring with a dot: a service reached from afar) into assets/:
// tray.png for Linux, trayTemplate.png(+@2x) for macOS, tray.ico for Windows, icon.png
// for the installers. Run with `node --import tsx scripts/make-icons.ts`; output is committed.
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

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

function png(size: number, rgb: [number, number, number]): Buffer {
  const rows: Buffer[] = [];
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c) / (size / 2);
      const ring = d > 0.62 && d < 0.9;
      const dot = d < 0.28;
      const alpha = ring || dot ? 255 : 0;
      row.set([...rgb, alpha], 1 + x * 4);
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

/** An .ico holding one PNG image (supported since Windows Vista). */
function ico(image: Buffer, size: number): Buffer {
  const header = Buffer.alloc(22);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(1, 4);
  header.set([size >= 256 ? 0 : size, size >= 256 ? 0 : size, 0, 0], 6);
  header.writeUInt16LE(1, 10);
  header.writeUInt16LE(32, 12);
  header.writeUInt32LE(image.length, 14);
  header.writeUInt32LE(22, 18);
  return Buffer.concat([header, image]);
}

const blue: [number, number, number] = [11, 99, 206];
writeFileSync("assets/tray.png", png(32, blue));
writeFileSync("assets/trayTemplate.png", png(16, [0, 0, 0]));
writeFileSync("assets/trayTemplate@2x.png", png(32, [0, 0, 0]));
writeFileSync("assets/tray.ico", ico(png(32, blue), 32));
writeFileSync("assets/icon.png", png(512, blue));
writeFileSync("assets/icon.ico", ico(png(256, blue), 256));
