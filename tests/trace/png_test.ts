import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { ErrorCode, TraceError, UsageError } from "../../errors.ts";
import { buildDot, DOT_STYLE, type GraphView } from "../../trace/graph_dot.ts";
import { dotToSvg, renderPng, startPngRender, svgToPng } from "../../trace/png.ts";
import {
  golden,
  goldenGraph,
  GOVERN_ACTION,
  sharedGraph,
  WF,
  withNames,
} from "../testdata/golden/mod.ts";

interface Decoded {
  width: number;
  height: number;
  colorType: number;
  pixels: Uint8Array;
}

/** Minimal decoder for the PNGs renderPng writes (RGBA, filter 0 rows). */
function decode(png: Uint8Array): Decoded {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  assert.equal(new TextDecoder().decode(png.subarray(12, 16)), "IHDR");
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const colorType = png[25];
  const idat: Uint8Array[] = [];
  let at = 8;
  while (at < png.length) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(png.subarray(at + 4, at + 8));
    if (type === "IDAT") idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = new Uint8Array(inflateSync(Uint8Array.from(idat.flatMap((c) => [...c]))));
  assert.equal(raw.length, (width * 4 + 1) * height);
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (width * 4 + 1)], 0, "filter type 0");
    pixels.set(raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)), y * width * 4);
  }
  return { width, height, colorType, pixels };
}

/** Pixels within a small distance of `hex`. */
function countColor(pixels: Uint8Array, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (
      Math.abs(pixels[i] - r) < 8 && Math.abs(pixels[i + 1] - g) < 8 &&
      Math.abs(pixels[i + 2] - b) < 8
    ) n++;
  }
  return n;
}

const govern = sharedGraph(GOVERN_ACTION);
const authorized = () => golden("govern_authorized").records;
const register = goldenGraph(WF.register);
const completed = () => golden("completed").records;

Deno.test("renderPng() writes a valid RGBA PNG of the 18-node workflow within 2000 px", async () => {
  const png = await renderPng(govern, authorized());
  const { width, height, colorType, pixels } = decode(png);
  assert.equal(colorType, 6);
  assert.ok(width > 800 && width <= 2000, `width ${width}`);
  assert.ok(height > 500 && height <= 2000, `height ${height}`);
  // White background, opaque everywhere.
  assert.deepEqual([...pixels.subarray(0, 4)], [255, 255, 255, 255]);
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 255) assert.fail("transparent");
  // The highlighted path and the visited fill are drawn; text is drawn (font loaded).
  assert.ok(countColor(pixels, DOT_STYLE.takenEdge) > 2000);
  assert.ok(countColor(pixels, DOT_STYLE.visitedFill) > 20000);
  assert.ok(countColor(pixels, "#000000") > 2000);
});

Deno.test("renderPng() gives different bytes for different paths, equal bytes for equal input", async () => {
  const happy = await renderPng(govern, authorized());
  const denied = await renderPng(govern, golden("govern_unauthorized").records);
  const again = await renderPng(govern, authorized());
  assert.notDeepEqual(happy, denied);
  assert.deepEqual(happy, again);
});

Deno.test("renderPng() respects maxWidth and zoom", async () => {
  const small = decode(
    await renderPng(govern, authorized(), { maxWidth: 600 }),
  );
  assert.ok(small.width <= 600 && small.width >= 590, `width ${small.width}`);
  const base = decode(await renderPng(register, completed()));
  const big = decode(await renderPng(register, completed(), { zoom: 2 }));
  assert.ok(Math.abs(big.width - 2 * base.width) <= 2, `${big.width} vs ${base.width}`);
});

Deno.test("renderPng() survives labels with quotes, backslashes and markup", async () => {
  const graph: GraphView = {
    workflow: 'd::WF_"odd"<x>&',
    start: 'IN_"Q"',
    nodes: [
      { key: 'IN_"Q"', type: "IN", label: "\\N \\G <b>" },
      { key: "CC_\\back\nslash", type: "CC" },
      { key: "EXIT_<&>", type: "EXIT" },
    ],
    edges: [
      { from: 'IN_"Q"', outcome: 'A"CK', to: "CC_\\back\nslash" },
      { from: "CC_\\back\nslash", outcome: "<SUCCESS>", to: "EXIT_<&>" },
    ],
  };
  // A real run (IN → CC → EXIT) with its keys and outcomes renamed to the odd ones.
  const records = withNames(
    golden("ended").records,
    { IN_Q: 'IN_"Q"', CC_LOOKUP: "CC_\\back\nslash", EXIT_NOT_FOUND: "EXIT_<&>" },
    { ACK: 'A"CK', NOT_FOUND: "<SUCCESS>" },
  );
  const { width, height } = decode(await renderPng(graph, records));
  assert.ok(width > 100 && height > 100);
  const svg = await dotToSvg(buildDot(graph, records));
  assert.ok(svg.includes(">\\N \\G &lt;b&gt;</text>"), "label escapes stay literal");
  assert.ok(svg.includes(">CC_\\back</text>"), "newline in a key becomes a line break");
  assert.ok(svg.includes(">A&quot;CK</text>"));
  assert.equal(svg.match(/class="edge taken"/g)?.length, 2);
});

Deno.test("dotToSvg() keeps the taken-edge class for the highlighted edges", async () => {
  const svg = await dotToSvg(buildDot(register, completed()));
  assert.equal(svg.match(/class="edge taken"/g)?.length, 2);
  assert.equal(svg.match(/class="node"/g)?.length, 5);
});

Deno.test("svgToPng() refuses bad size options", async () => {
  for (const opts of [{ zoom: 0 }, { zoom: Number.NaN }, { maxWidth: 0 }]) {
    await assert.rejects(
      () => svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="10pt"/>', opts),
      (e) => e instanceof UsageError && e.code === ErrorCode.USAGE,
    );
  }
});

Deno.test("startPngRender() then finish() draws the very bytes renderPng() draws", async () => {
  const render = startPngRender({ maxWidth: 800 });
  const records = authorized();
  const png = await render.finish(govern, records);
  assert.deepEqual(png, await renderPng(govern, records, { maxWidth: 800 }));
  assert.ok(decode(png).width <= 800);
});

Deno.test("startPngRender(): bad options throw at once, a bad graph or trace rejects finish()", async () => {
  assert.throws(
    () => startPngRender({ zoom: 0 }),
    (e) => e instanceof UsageError && e.code === ErrorCode.USAGE,
  );
  const render = startPngRender();
  await assert.rejects(
    () => render.finish({ ...register, start: "NOWHERE" }, completed()),
    (e) => e instanceof UsageError && /graph\.start "NOWHERE"/.test(e.message),
  );
  await assert.rejects(
    () => render.finish(register, completed().slice(1)),
    (e) => e instanceof TraceError,
  );
  render.cancel();
  render.cancel(); // idempotent
  await assert.rejects(() => render.finish(register, completed()), /cancelled/);
});

Deno.test("a label character the font lacks is drawn as U+FFFD, and the picture still renders", async () => {
  const graph: GraphView = {
    workflow: "d::WF_UNICODE_V0",
    start: "IN_审批",
    nodes: [
      { key: "IN_审批", type: "IN" },
      { key: "EXIT_Zürich", type: "EXIT" },
    ],
    edges: [{ from: "IN_审批", outcome: "ACK", to: "EXIT_Zürich" }],
  };
  // A real run (IN → CC → EXIT) renamed; the CC is not in this graph and is left undrawn.
  const records = withNames(golden("ended").records, {
    IN_Q: "IN_审批",
    EXIT_NOT_FOUND: "EXIT_Zürich",
  });
  const svg = await dotToSvg(buildDot(graph, records));
  assert.ok(svg.includes(">IN_\ufffd\ufffd</text>"), "outside the font: replaced");
  assert.ok(svg.includes(">EXIT_Zürich</text>"), "Latin-1: kept");
  assert.ok(svg.includes('id="node1"'), "the node id (not drawn) keeps the key apart from others");
  const { width, height } = decode(await renderPng(graph, records));
  assert.ok(width > 100 && height > 100);
});
