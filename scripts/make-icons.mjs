// Draws the app and tray icons (PNG, no dependencies) into resources/icons; run once when the design changes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel((x + 0.5) / size, (y + 0.5) / size), y * (size * 4 + 1) + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
// Two heads over a table, as in the favicon: blue rounded square, white marks.
function icon(u, v, { background }) {
  const inRounded = (() => {
    const r = 0.22;
    const dx = Math.max(r - u, u - (1 - r), 0);
    const dy = Math.max(r - v, v - (1 - r), 0);
    return dx * dx + dy * dy <= r * r;
  })();
  const head = (cx) => (u - cx) ** 2 + (v - 0.4) ** 2 <= 0.125 ** 2;
  const table = v >= 0.62 && v <= 0.75 && u >= 0.22 && u <= 0.78;
  if (head(0.34) || head(0.66) || table) return background ? [255, 255, 255, 255] : [0, 0, 0, 255];
  if (background && inRounded) return [59, 91, 219, 255];
  return [0, 0, 0, 0];
}
mkdirSync('resources/icons', { recursive: true });
writeFileSync(
  'resources/icons/app.png',
  png(256, (u, v) => icon(u, v, { background: true })),
);
// The installers' icon (electron-builder makes the .icns and .ico from it; macOS wants at least 512 px).
writeFileSync(
  'resources/icons/app-512.png',
  png(512, (u, v) => icon(u, v, { background: true })),
);
writeFileSync(
  'resources/icons/tray.png',
  png(32, (u, v) => icon(u, v, { background: true })),
);
// A template image (black on transparent) for macOS menu bars, which tint it themselves.
writeFileSync(
  'resources/icons/trayTemplate.png',
  png(32, (u, v) => icon(u, v, { background: false })),
);
