/**
 * The characters the PNG can draw. The renderer ships DejaVu Sans Condensed cut down to
 * these ranges (scripts/gen_assets.ts): labels are node keys, CC codes, outcome names,
 * trace ids and the picture's own words ("·", "×", "…"), which are ASCII in every snapshot
 * seen so far; Latin-1, Latin Extended-A and common punctuation cover names in most
 * European languages. Any other character is drawn as U+FFFD "�", so a label never loses a
 * character silently and Graphviz sizes the box for what is drawn. The `.jsonl` and `.md`
 * keep the exact text.
 *
 * @module
 */

/** Inclusive code point ranges of the shipped font subset. */
export const FONT_RANGES: readonly (readonly [number, number])[] = [
  [0x20, 0x7e], // Basic Latin
  [0xa0, 0xff], // Latin-1 Supplement (· × é ß …)
  [0x100, 0x17f], // Latin Extended-A
  [0x2010, 0x2027], // dashes, quotes, bullet, ellipsis
  [0x2030, 0x203a], // per mille, primes, angle quotes
  [0x20ac, 0x20ac], // euro sign
  [0x2122, 0x2122], // trade mark
  [0x2190, 0x2195], // arrows
  [0xfffd, 0xfffd], // replacement character
];

/** Every code point of {@link FONT_RANGES}, ascending. */
export const FONT_CODEPOINTS: readonly number[] = FONT_RANGES.flatMap(([from, to]) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i)
);

/** The character drawn in place of one the font does not have. */
export const REPLACEMENT = "\ufffd";

function inFont(cp: number): boolean {
  for (const [from, to] of FONT_RANGES) if (cp >= from && cp <= to) return true;
  return false;
}

/**
 * `text` with every character outside the font replaced by {@link REPLACEMENT}; control
 * characters (newlines included) pass through for the DOT escaping to handle.
 */
export function drawable(text: string): string {
  // deno-lint-ignore no-control-regex
  if (/^[\u0000-\u007e]*$/.test(text)) return text;
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp < 0x20 || cp === 0x7f || inFont(cp) ? ch : REPLACEMENT;
  }
  return out;
}
