// Test images made on the fly: a real PNG (pngjs) padded to an exact size with a private ancillary
// chunk, so it stays a valid PNG at any size (the 3 MB edge), and a JPEG-signed file.
import { PNG } from 'pngjs';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A 2×2 PNG; with `size`, padded to exactly that many bytes (at least the bare image plus 12). */
export function pngBytes(size?: number): Uint8Array {
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(0xff);
  const bare = PNG.sync.write(png);
  if (size === undefined) return new Uint8Array(bare);
  const padding = size - bare.length - 12; // length + type + crc
  if (padding < 0) throw new Error(`a padded PNG needs at least ${bare.length + 12} bytes`);
  const iend = bare.length - 12; // IEND is the last 12 bytes
  const chunk = Buffer.alloc(12 + padding);
  chunk.writeUInt32BE(padding, 0);
  chunk.write('prVt', 4, 'latin1'); // ancillary, private, safe-to-copy: decoders skip it
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + padding)), 8 + padding);
  return new Uint8Array(Buffer.concat([bare.subarray(0, iend), chunk, bare.subarray(iend)]));
}

/** Starts with the JPEG/JFIF signature and ends with EOI; padded to `size` bytes. */
export function jpegBytes(size = 64): Uint8Array {
  const head = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  const bytes = new Uint8Array(Math.max(size, head.length + 2));
  bytes.set(head);
  bytes[bytes.length - 2] = 0xff;
  bytes[bytes.length - 1] = 0xd9;
  return bytes;
}

/** Decodes the QR code in a PNG; undefined when none is found. */
export async function decodeQrPng(bytes: Uint8Array): Promise<string | undefined> {
  // jsqr is CommonJS: under NodeNext its default export may arrive wrapped once more.
  const loaded: any = await import('jsqr');
  const jsQR: (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null =
    typeof loaded.default === 'function' ? loaded.default : loaded.default.default;
  const image = PNG.sync.read(Buffer.from(bytes));
  return jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength), image.width, image.height)?.data;
}

export const CHROMIUM = '/usr/bin/chromium';

/** Renders an SVG document in a real browser (Debian's chromium through playwright-core) to a PNG. */
export async function renderSvgWithChromium(svg: string, size = 600): Promise<Uint8Array> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${svg}</body></html>`);
    return new Uint8Array(await page.locator('svg').screenshot());
  } finally {
    await browser.close();
  }
}

/**
 * Draws the `qrcode` package's SVG (one stroked path of horizontal runs, "M4 4.5h7m6 0h1…") onto a PNG
 * at `scale` pixels per module: the fallback when no browser is installed.
 */
export function rasterizeQrSvg(svg: string, scale = 8): Uint8Array {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  const path = /<path[^>]*stroke="[^"]+"[^>]*d="([^"]+)"/.exec(svg);
  if (!viewBox || !path) throw new Error('not an SVG from the qrcode package');
  const modules = Number(viewBox[1]);
  const png = new PNG({ width: modules * scale, height: modules * scale });
  png.data.fill(0xff);
  let x = 0;
  let y = 0;
  for (const [, command, args] of path[1]!.matchAll(/([MmHhVv])([^MmHhVv]*)/g)) {
    const numbers = args!
      .trim()
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    if (command === 'M') [x, y] = [numbers[0]!, numbers[1]!];
    else if (command === 'm') [x, y] = [x + numbers[0]!, y + numbers[1]!];
    else if (command === 'h' || command === 'H') {
      const to = command === 'h' ? x + numbers[0]! : numbers[0]!;
      const row = Math.floor(y);
      for (let column = Math.min(x, to); column < Math.max(x, to); column++) {
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const offset = ((row * scale + dy) * modules * scale + column * scale + dx) * 4;
            png.data[offset] = png.data[offset + 1] = png.data[offset + 2] = 0;
          }
        }
      }
      x = to;
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}
