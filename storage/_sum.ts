/**
 * The content checksum of the file views' watermark.
 *
 * @module
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * A running content checksum: two 32-bit multiply-rotate lanes over little-endian words
 * plus the length, resumable from its text form so an append extends it without reading
 * the file again. It finds edits, accidental or not, by someone who cannot also write the
 * state database beside the view; it is not a cryptographic signature (the trace is).
 */
export class ContentSum {
  #h1 = 0x9747b28c;
  #h2 = 0x3c6ef372;
  #len = 0;
  #tail: number[] = [];

  /** Resumes a sum from {@link ContentSum.text}. */
  static from(text: string): ContentSum {
    const [len, h1, h2, tail] = text.split(":");
    const s = new ContentSum();
    s.#len = Number(len);
    s.#h1 = parseInt(h1, 16) | 0;
    s.#h2 = parseInt(h2, 16) | 0;
    s.#tail = tail === "" || tail === undefined
      ? []
      : tail.match(/../g)!.map((h) => parseInt(h, 16));
    return s;
  }

  /** Adds bytes; returns this. */
  update(bytes: Uint8Array): this {
    this.#len += bytes.length;
    let i = 0;
    if (this.#tail.length > 0) {
      while (this.#tail.length < 4 && i < bytes.length) this.#tail.push(bytes[i++]);
      if (this.#tail.length < 4) return this;
      this.#run(Uint8Array.from(this.#tail), 0, 4);
      this.#tail = [];
    }
    const end = i + ((bytes.length - i) & ~3);
    this.#run(bytes, i, end);
    for (i = end; i < bytes.length; i++) this.#tail.push(bytes[i]);
    return this;
  }

  #run(bytes: Uint8Array, from: number, to: number): void {
    let h1 = this.#h1;
    let h2 = this.#h2;
    const at = bytes.byteOffset + from;
    // Whole words straight from memory when aligned (little-endian platforms: all Deno runs on).
    const words = LITTLE_ENDIAN && at % 4 === 0
      ? new Int32Array(bytes.buffer, at, (to - from) >>> 2)
      : null;
    const n = (to - from) >>> 2;
    for (let w = 0; w < n; w++) {
      const i = from + 4 * w;
      const k = words !== null
        ? words[w]
        : bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
      let k1 = Math.imul(k, 0xcc9e2d51);
      k1 = Math.imul((k1 << 15) | (k1 >>> 17), 0x1b873593);
      h1 ^= k1;
      h1 = (Math.imul((h1 << 13) | (h1 >>> 19), 5) + 0xe6546b64) | 0;
      let k2 = Math.imul(k, 0x85ebca6b);
      k2 = Math.imul((k2 << 17) | (k2 >>> 15), 0xc2b2ae35);
      h2 = Math.imul(h2 ^ k2, 0x27d4eb2f);
      h2 = (((h2 << 11) | (h2 >>> 21)) + h1) | 0;
    }
    this.#h1 = h1;
    this.#h2 = h2;
  }

  /** Text form: equal for equal content. */
  text(): string {
    const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
    const tail = this.#tail.map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${this.#len}:${hex(this.#h1)}:${hex(this.#h2)}:${tail}`;
  }
}
