/**
 * Minimal PNG encoder for 8-bit RGBA pixels, deflating with the runtime's native
 * `CompressionStream("deflate")` (zlib format, as PNG's IDAT wants). resvg-wasm's own
 * `asPng()` deflates in WASM at several times the cost, and `node:zlib` would load Node's
 * compatibility layer (~20 ms of start-up) for one call.
 *
 * @module
 */

import { UsageError } from "../errors.ts";

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, as PNG chunks use) of `parts` taken as one byte string. */
export function crc32(...parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const bytes of parts) {
    for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Rows per block handed to the compressor: bounds the filtered copy to ~2 MB at a time. */
const BAND_BYTES = 1 << 21;

/**
 * Encodes straight (non-premultiplied) RGBA rows as a PNG (colour type 6, no interlace).
 *
 * @param rgba `width * height * 4` bytes, row-major.
 * @param width Image width in pixels.
 * @param height Image height in pixels.
 * @returns The PNG file bytes.
 * @throws {UsageError} USAGE when the sizes do not match the pixel buffer.
 */
export async function encodePng(
  rgba: Uint8Array,
  width: number,
  height: number,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new UsageError("Cannot encode PNG: width and height must be positive integers");
  }
  const stride = width * 4;
  if (rgba.length !== stride * height) {
    throw new UsageError(`Cannot encode PNG: rgba must hold ${stride * height} bytes`);
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const idat = await deflate(rgba, stride, height);
  return concat([
    SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/**
 * The zlib stream of the filtered image: each row prefixed with filter type 0, which on
 * flat-coloured diagrams deflates smaller than Sub/Up. Rows go in bands, so the copy with
 * filter bytes never holds the whole image twice.
 */
async function deflate(
  rgba: Uint8Array,
  stride: number,
  height: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new CompressionStream("deflate");
  const writer = stream.writable.getWriter();
  const output = collect(stream.readable);
  const rowsPerBand = Math.max(1, Math.floor(BAND_BYTES / (stride + 1)));
  for (let y = 0; y < height; y += rowsPerBand) {
    const rows = Math.min(rowsPerBand, height - y);
    const band = new Uint8Array((stride + 1) * rows);
    for (let r = 0; r < rows; r++) {
      band.set(rgba.subarray((y + r) * stride, (y + r + 1) * stride), r * (stride + 1) + 1);
    }
    await writer.write(band);
  }
  await writer.close();
  return await output;
}

async function collect(
  readable: ReadableStream<Uint8Array>,
): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  const reader = readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concat(parts);
    parts.push(value);
  }
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  const name = new TextEncoder().encode(type);
  view.setUint32(0, data.length);
  out.set(name, 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(name, data));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
