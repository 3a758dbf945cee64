/**
 * `pgs.trace/2` records each large value once. A run copies the payload and the values
 * derived from it into many records (node inputs, step inputs, surfaces, results); a value
 * already recorded earlier in the trace is written as `null` and named in the record's
 * `shared` map: JSON pointer in this record → `[seq, JSON pointer]` of the earlier copy.
 * So a trace stays within a small multiple of its inputs, whatever the workflow does with
 * them.
 *
 * Only values of at least {@link SHARE_MIN_CHARS} characters of canonical JSON are shared
 * (small values stay inline, so traces remain readable), only in the data-carrying fields,
 * and only from earlier records (a record never refers to itself), so a reader resolves a
 * trace front to back in one pass.
 *
 * @module
 */
import { canonicalJson } from "../snapshot/canonical.ts";

/** Smallest canonical JSON text (in UTF-16 code units) a shared value has. */
export const SHARE_MIN_CHARS = 128;

/** The record fields whose values may be shared. */
export const SHAREABLE_FIELDS: ReadonlySet<string> = new Set([
  "payload",
  "inputs",
  "outputs",
  "result",
  "results",
]);

/** A reference to an earlier copy: `[seq, JSON pointer]`. */
export type SharedRef = readonly [number, string];

const QUOTED = new Map<string, string>();

/** JSON text of a record field name (a small, fixed set: remembered once quoted). */
function quoted(name: string): string {
  let q = QUOTED.get(name);
  if (q === undefined) {
    q = JSON.stringify(name);
    if (QUOTED.size < 256) QUOTED.set(name, q);
  }
  return q;
}

/** RFC 6901 escaping of one pointer segment. */
function escapeSegment(s: string): string {
  return s.includes("~") || s.includes("/") ? s.replace(/~/g, "~0").replace(/\//g, "~1") : s;
}

function unescapeSegment(s: string): string {
  return s.replace(/~1/g, "/").replace(/~0/g, "~");
}

interface Walk {
  readonly refs: Array<[string, SharedRef]>;
  readonly adds: Array<[string, string]>;
}

/**
 * The values a trace has recorded so far, and the canonical encoder that refers to them.
 * One table per trace; records must be encoded in file order.
 */
export class ValueTable {
  readonly #seen = new Map<string, SharedRef>();
  // Canonical text of every object already walked in this trace, by identity: a run
  // records the same payload, inputs and results objects in many records, and nothing
  // mutates them while the trace is encoded.
  readonly #known = new Map<object, string>();

  /**
   * The canonical JSON line of `record` (which carries its `seq`), with every shareable
   * value recorded in an earlier line replaced by a reference.
   */
  encode(record: object, seq: number): string {
    const rec = record as Readonly<Record<string, unknown>>;
    const w = this.#w;
    w.refs.length = 0;
    w.adds.length = 0;
    // Walked in the record's own key order (it decides which copy later records refer to),
    // written in sorted order.
    const keys = Object.keys(rec);
    const texts: Record<string, string> = {};
    for (const k of keys) {
      const v = rec[k];
      if (v === undefined) continue;
      texts[k] = SHAREABLE_FIELDS.has(k)
        ? this.#walk(v, `/${escapeSegment(k)}`, w)
        : inline(v)
        ? JSON.stringify(v)
        : canonicalJson(v);
    }
    if (w.refs.length > 0) {
      const shared: Record<string, SharedRef> = {};
      for (const [ptr, ref] of w.refs) shared[ptr] = ref;
      keys.push("shared");
      texts.shared = canonicalJson(shared);
    }
    // The default sort compares UTF-16 code units, as canonical JSON orders keys.
    keys.sort();
    let out = "{";
    for (const k of keys) {
      const text = texts[k];
      if (text === undefined) continue;
      out += (out.length > 1 ? "," : "") + quoted(k) + ":" + text;
    }
    out += "}";
    for (const [text, ptr] of w.adds) {
      if (!this.#seen.has(text)) this.#seen.set(text, [seq, ptr]);
    }
    return out;
  }

  // One walk state per table, reset per record: no allocation per record.
  readonly #w: Walk = { refs: [], adds: [] };

  /** Canonical text of `v` as written (refs replaced by null); registers or refers to it. */
  #walk(v: unknown, ptr: string, w: Walk): string {
    this.#path = [ptr];
    this.#node(v, w);
    return this.#out;
  }

  // The node being walked: its pointer as segments (joined only when a value is shared or
  // recorded), and the text written for the last node #node returned (its own text unless
  // something in it refers to an earlier copy). Fields rather than return values: no
  // allocation per node.
  #path: string[] = [];
  #out = "";

  #pointer(): string {
    return this.#path.join("/");
  }

  /** Returns the canonical text of `v`; leaves the text to write in `#out`. */
  #node(v: unknown, w: Walk): string {
    if (v === null || typeof v !== "object") {
      const text = JSON.stringify(v) ?? "null";
      this.#out = text;
      if (typeof v === "string" && text.length >= SHARE_MIN_CHARS) {
        this.#share(text, w, w.refs.length, w.adds.length);
      }
      return text;
    }
    const refs0 = w.refs.length;
    const adds0 = w.adds.length;
    const known = this.#known.get(v);
    if (known !== undefined) {
      // Short: nothing inside can be shared, the text is written as it is. Long and
      // recorded before: the whole value is a reference. Otherwise (first recorded in this
      // same record) its parts may refer to earlier copies: walk it again.
      if (known.length < SHARE_MIN_CHARS) {
        this.#out = known;
        return known;
      }
      if (this.#seen.has(known)) {
        this.#share(known, w, refs0, adds0);
        return known;
      }
    }
    let text: string;
    // null while the written text equals `text` (nothing inside referred to a copy).
    let out: string | null = null;
    const path = this.#path;
    if (Array.isArray(v)) {
      if (allInline(v)) {
        // Nothing inside can be shared: the native encoder writes the same text.
        text = JSON.stringify(v);
        this.#out = text;
        if (text.length >= SHARE_MIN_CHARS) this.#share(text, w, refs0, adds0);
        return text;
      }
      text = "[";
      for (let i = 0; i < v.length; i++) {
        const sep = i > 0 ? "," : "";
        const x = v[i];
        let ct: string;
        let co: string;
        if (inline(x)) ct = co = JSON.stringify(x);
        else {
          path.push(String(i));
          ct = this.#node(x, w);
          path.pop();
          co = this.#out;
        }
        if (out === null && co !== ct) out = text;
        text += sep + ct;
        if (out !== null) out += sep + co;
      }
      text += "]";
      if (out !== null) out += "]";
    } else {
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      text = "{";
      let first = true;
      for (const k of keys) {
        const x = obj[k];
        if (x === undefined) continue;
        let ct: string;
        let co: string;
        if (inline(x)) ct = co = JSON.stringify(x);
        else {
          path.push(escapeSegment(k));
          ct = this.#node(x, w);
          path.pop();
          co = this.#out;
        }
        const name = (first ? "" : ",") + JSON.stringify(k) + ":";
        first = false;
        if (out === null && co !== ct) out = text;
        text += name + ct;
        if (out !== null) out += name + co;
      }
      text += "}";
      if (out !== null) out += "}";
    }
    this.#known.set(v, text);
    this.#out = out ?? text;
    if (text.length >= SHARE_MIN_CHARS) this.#share(text, w, refs0, adds0);
    return text;
  }

  /** Refers to an earlier copy of `text` (setting `#out` to null), or records this one. */
  #share(text: string, w: Walk, refs0: number, adds0: number): void {
    const hit = this.#seen.get(text);
    if (hit) {
      // The whole value is a copy: what its parts referred to or added is moot.
      w.refs.length = refs0;
      w.adds.length = adds0;
      w.refs.push([this.#pointer(), hit]);
      this.#out = "null";
      return;
    }
    w.adds.push([text, this.#pointer()]);
  }
}

/**
 * Longest string whose JSON text is surely shorter than {@link SHARE_MIN_CHARS}: an escape
 * writes at most 6 characters for one.
 */
const INLINE_MAX_STRING = Math.floor((SHARE_MIN_CHARS - 3) / 6);

/**
 * A value written as its own JSON text, never shared and with nothing inside to share: a
 * number, boolean, null or short string. (`undefined` is not: an array writes it as null.)
 */
function inline(x: unknown): x is number | boolean | null | string {
  return x === null || typeof x === "number" || typeof x === "boolean" ||
    (typeof x === "string" && x.length <= INLINE_MAX_STRING);
}

function allInline(v: readonly unknown[]): boolean {
  for (let i = 0; i < v.length; i++) if (!inline(v[i])) return false;
  return true;
}

/** The segments of a JSON pointer, or null when it is not one. */
function segments(ptr: string): string[] | null {
  if (!ptr.startsWith("/")) return null;
  return ptr.slice(1).split("/").map(unescapeSegment);
}

function child(parent: unknown, key: string): { ok: boolean; value?: unknown } {
  if (Array.isArray(parent)) {
    if (!/^(0|[1-9]\d*)$/.test(key) || Number(key) >= parent.length) return { ok: false };
    return { ok: true, value: parent[Number(key)] };
  }
  if (parent !== null && typeof parent === "object" && Object.hasOwn(parent, key)) {
    return { ok: true, value: (parent as Record<string, unknown>)[key] };
  }
  return { ok: false };
}

/**
 * Replaces, in place and front to back, every reference of every record's `shared` map by
 * the value it names, and removes the maps. Returns the problems found ("line N: ..."):
 * a reference forward or to itself, to nothing, or at a place that does not hold null.
 */
export function resolveShared(records: Array<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  for (const [i, rec] of records.entries()) {
    const shared = rec.shared;
    if (shared === undefined) continue;
    delete rec.shared;
    if (shared === null || typeof shared !== "object" || Array.isArray(shared)) continue;
    for (const [ptr, ref] of Object.entries(shared as Record<string, unknown>)) {
      const at = `line ${i + 1}: shared ${ptr}`;
      const segs = segments(ptr);
      if (!segs || !SHAREABLE_FIELDS.has(segs[0])) {
        problems.push(`${at}: not a pointer into a value field`);
        continue;
      }
      if (!Array.isArray(ref) || typeof ref[0] !== "number" || typeof ref[1] !== "string") {
        problems.push(`${at}: expected [seq, pointer]`);
        continue;
      }
      const [seq, target] = ref as [number, string];
      if (!Number.isInteger(seq) || seq < 0 || seq >= i) {
        problems.push(`${at}: refers to line ${seq + 1}, not an earlier line`);
        continue;
      }
      let value: unknown = records[seq];
      let found = true;
      for (const s of segments(target) ?? []) {
        const c = child(value, s);
        if (!c.ok) {
          found = false;
          break;
        }
        value = c.value;
      }
      if (!found || segments(target) === null) {
        problems.push(`${at}: line ${seq + 1} has no value at ${target}`);
        continue;
      }
      let holder: unknown = rec;
      for (const s of segs.slice(0, -1)) holder = child(holder, s).value;
      const last = segs[segs.length - 1];
      const placeholder = child(holder, last);
      if (!placeholder.ok || placeholder.value !== null) {
        problems.push(`${at}: the referring place does not hold null`);
        continue;
      }
      if (Array.isArray(holder)) holder[Number(last)] = value;
      else (holder as Record<string, unknown>)[last] = value;
    }
  }
  return problems;
}
