import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { ErrorCode, UsageError } from "../../errors.ts";
import { crc32, encodePng } from "../../trace/png_encode.ts";

Deno.test("crc32() matches the ISO-HDLC check value and PNG's IEND CRC", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new TextEncoder().encode("IEND")), 0xae426082);
  assert.equal(
    crc32(new TextEncoder().encode("1234"), new TextEncoder().encode("56789")),
    0xcbf43926,
  );
});

Deno.test("encodePng() writes signature, IHDR, one IDAT and IEND with valid CRCs", async () => {
  const rgba = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 37) & 255);
  const png = await encodePng(rgba, 3, 2);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Array<{ type: string; data: Uint8Array }> = [];
  let at = 8;
  while (at < png.length) {
    const length = view.getUint32(at);
    const typeBytes = png.subarray(at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    assert.equal(view.getUint32(at + 8 + length), crc32(typeBytes, data));
    chunks.push({ type: new TextDecoder().decode(typeBytes), data });
    at += 12 + length;
  }
  assert.equal(at, png.length);
  assert.deepEqual(chunks.map((c) => c.type), ["IHDR", "IDAT", "IEND"]);
  assert.deepEqual([...chunks[0].data], [0, 0, 0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0]);
  const raw = new Uint8Array(inflateSync(chunks[1].data));
  assert.deepEqual([...raw], [0, ...rgba.subarray(0, 12), 0, ...rgba.subarray(12)]);
  assert.equal(chunks[2].data.length, 0);
});

Deno.test("encodePng() refuses sizes that do not match the pixels", async () => {
  for (const [w, h, n] of [[0, 1, 0], [2, 2, 15], [1.5, 2, 12], [2, -1, 8]]) {
    await assert.rejects(
      () => encodePng(new Uint8Array(n), w, h),
      (e) => e instanceof UsageError && e.code === ErrorCode.USAGE,
    );
  }
});
