/**
 * A compact set of key hashes: "which keys a store holds" for a store too large to keep
 * whole in the read cache (`_cache.ts`). It answers "certainly absent" or "maybe present",
 * never "absent" for a key that was added, so a miss can skip its KV read and a hit still
 * reads. Four bytes per slot, at most half the slots used: a 200,000-key store takes 2 MiB
 * (its keys and values as a Map take ~40 MiB).
 *
 * @module
 */

/** A set of 32-bit key hashes (open addressing, linear probing; 0 marks an empty slot). */
export class KeyFilter {
  #slots: Int32Array;
  #count = 0;

  /** An empty filter sized for about `expected` keys. */
  constructor(expected = 0) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.#slots = new Int32Array(capacity);
  }

  /** Bytes the filter holds. */
  get bytes(): number {
    return this.#slots.byteLength;
  }

  /** Distinct hashes held. */
  get size(): number {
    return this.#count;
  }

  /** Records that `key` is present. */
  add(key: string): void {
    if ((this.#count + 1) * 2 > this.#slots.length) this.#grow();
    if (insert(this.#slots, hashKey(key))) this.#count++;
  }

  /** False when `key` was certainly never added; true when it may have been. */
  has(key: string): boolean {
    const slots = this.#slots;
    const h = hashKey(key);
    const mask = slots.length - 1;
    for (let i = h & mask;; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === h) return true;
      if (s === 0) return false;
    }
  }

  #grow(): void {
    const old = this.#slots;
    const slots = new Int32Array(old.length * 2);
    for (const h of old) if (h !== 0) insert(slots, h);
    this.#slots = slots;
  }
}

/** Puts hash `h` in `slots` unless present; true when it was added. */
function insert(slots: Int32Array, h: number): boolean {
  const mask = slots.length - 1;
  for (let i = h & mask;; i = (i + 1) & mask) {
    const s = slots[i];
    if (s === h) return false;
    if (s === 0) {
      slots[i] = h;
      return true;
    }
  }
}

/** FNV-1a over the UTF-16 code units, then a final avalanche so low bits index well; never 0. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h === 0 ? 1 : h | 0;
}
