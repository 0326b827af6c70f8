/**
 * A lossless codec of the Thrift compact protocol, the encoding of Parquet footers and page
 * headers.
 *
 * Rules:
 * - {@linkcode decodeThriftStruct} keeps everything the wire says: every field's id and wire
 *   type (i16, i32 and i64 stay apart; i64 values are `bigint`), list and set element types,
 *   map key and value types, nested structs, and whether a field header used the long form.
 *   {@linkcode encodeThriftStruct} writes such a tree back byte for byte (for input written with
 *   the protocol's canonical choices: shortest varints, the short field header whenever the id
 *   delta is 1 to 15, short list headers below 15 elements, `1`/`2` for booleans in
 *   collections, as Apache Thrift, parquet-rs and Polars write).
 * - A tree can be edited (see {@linkcode ThriftStruct.set}) and encoded: the encoding is the
 *   protocol's, so any reader of the schema reads it.
 * - Unknown or truncated input fails with a {@linkcode RangeError} naming the problem.
 *
 * @module
 */

/** Compact protocol wire types. */
export const ThriftType = {
  /** Boolean true (in a field header), or the boolean element type. */
  BOOL_TRUE: 1,
  /** Boolean false (in a field header). */
  BOOL_FALSE: 2,
  /** 8-bit integer. */
  BYTE: 3,
  /** 16-bit integer (zigzag varint). */
  I16: 4,
  /** 32-bit integer (zigzag varint). */
  I32: 5,
  /** 64-bit integer (zigzag varint), decoded as `bigint`. */
  I64: 6,
  /** 64-bit float, little-endian. */
  DOUBLE: 7,
  /** Length-prefixed bytes (also strings). */
  BINARY: 8,
  /** List. */
  LIST: 9,
  /** Set. */
  SET: 10,
  /** Map. */
  MAP: 11,
  /** Nested struct. */
  STRUCT: 12,
} as const;

/** A list or set: its element wire type and its items. */
export interface ThriftList {
  /** Element wire type (see {@linkcode ThriftType}). */
  elemType: number;
  /** The items. */
  items: ThriftValue[];
}

/** A map: key and value wire types and its entries. */
export interface ThriftMap {
  /** Key wire type. */
  keyType: number;
  /** Value wire type. */
  valueType: number;
  /** The entries, in wire order. */
  entries: [ThriftValue, ThriftValue][];
}

/** A decoded value; its wire type is kept by the field, list or map holding it. */
export type ThriftValue =
  | boolean
  | number
  | bigint
  | Uint8Array
  | ThriftList
  | ThriftMap
  | ThriftStruct;

/** One field of a struct. */
export interface ThriftField {
  /** Field id. */
  id: number;
  /** Wire type ({@linkcode ThriftType.BOOL_TRUE} for any boolean). */
  type: number;
  /** The value (`bigint` for i64, `number` for byte, i16, i32 and double). */
  value: ThriftValue;
  /** The header used the long form although the id delta fitted the short one. */
  longHeader?: boolean;
}

/** A struct: its fields in wire order. */
export class ThriftStruct {
  /** The fields, in wire order. */
  fields: ThriftField[];

  /**
   * Create a struct.
   *
   * @param fields Its fields in wire order. @default {[]}
   */
  constructor(fields: ThriftField[] = []) {
    this.fields = fields;
  }

  /**
   * The value of field `id`, or `undefined`.
   *
   * @param id Field id.
   * @returns Its value.
   * @example
   * ```ts
   * import { ThriftStruct, ThriftType } from "./thrift_compact.ts";
   * const s = new ThriftStruct([{ id: 3, type: ThriftType.I64, value: 7n }]);
   * if (s.get(3) !== 7n || s.get(4) !== undefined) throw new Error("bad get");
   * ```
   */
  get(id: number): ThriftValue | undefined {
    for (const f of this.fields) if (f.id === id) return f.value;
    return undefined;
  }

  /**
   * Set field `id` (kept in place when present, else inserted in id order).
   *
   * @param id Field id.
   * @param type Wire type.
   * @param value The value.
   * @example
   * ```ts
   * import { ThriftStruct, ThriftType } from "./thrift_compact.ts";
   * const s = new ThriftStruct();
   * s.set(5, ThriftType.I64, 1n);
   * s.set(2, ThriftType.I32, 4);
   * if (s.fields.map((f) => f.id).join() !== "2,5") throw new Error("id order");
   * ```
   */
  set(id: number, type: number, value: ThriftValue): void {
    const at = this.fields.findIndex((f) => f.id === id);
    if (at >= 0) {
      this.fields[at] = { id, type, value };
      return;
    }
    const after = this.fields.findIndex((f) => f.id > id);
    const field = { id, type, value };
    if (after < 0) this.fields.push(field);
    else this.fields.splice(after, 0, field);
  }

  /**
   * Remove field `id` (nothing when absent).
   *
   * @param id Field id.
   * @example
   * ```ts
   * import { ThriftStruct, ThriftType } from "./thrift_compact.ts";
   * const s = new ThriftStruct([{ id: 1, type: ThriftType.I32, value: 1 }]);
   * s.delete(1);
   * if (s.fields.length !== 0) throw new Error("not removed");
   * ```
   */
  delete(id: number): void {
    this.fields = this.fields.filter((f) => f.id !== id);
  }
}

/**
 * A cursor over compact-protocol bytes (also used for the varints of Parquet's RLE runs).
 *
 * @example
 * ```ts
 * import { ThriftReader } from "./thrift_compact.ts";
 * const r = new ThriftReader(new Uint8Array([0xac, 0x02]));
 * if (r.varint() !== 300n || r.pos !== 2) throw new Error("bad varint");
 * ```
 */
export class ThriftReader {
  /** Next byte to read. */
  pos: number;
  /** The bytes. */
  readonly buf: Uint8Array;

  /**
   * Create a reader.
   *
   * @param buf The bytes.
   * @param start Where to start. @default {0}
   */
  constructor(buf: Uint8Array, start = 0) {
    this.buf = buf;
    this.pos = start;
  }

  /**
   * One byte.
   *
   * @returns The byte.
   * @throws {RangeError} At the end of the input.
   */
  byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError("Thrift: unexpected end of input");
    return this.buf[this.pos++];
  }

  /**
   * An unsigned LEB128 varint.
   *
   * @returns Its value.
   */
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new RangeError("Thrift: varint too long");
    }
  }

  /**
   * A zigzag varint.
   *
   * @returns Its signed value.
   */
  zigzag(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }

  /**
   * A length-prefixed byte string (a view, not a copy).
   *
   * @returns The bytes.
   */
  binary(): Uint8Array {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) throw new RangeError("Thrift: binary runs past the end");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /**
   * A value of wire type `type` (booleans of collections are one byte).
   *
   * @param type Wire type.
   * @param inCollection Whether the value is a list, set or map element.
   * @returns The value.
   */
  value(type: number, inCollection = false): ThriftValue {
    switch (type) {
      case ThriftType.BOOL_TRUE:
      case ThriftType.BOOL_FALSE:
        if (inCollection) return this.byte() === ThriftType.BOOL_TRUE;
        return type === ThriftType.BOOL_TRUE;
      case ThriftType.BYTE:
        return this.byte();
      case ThriftType.I16:
      case ThriftType.I32:
        return Number(this.zigzag());
      case ThriftType.I64:
        return this.zigzag();
      case ThriftType.DOUBLE: {
        if (this.pos + 8 > this.buf.length) throw new RangeError("Thrift: unexpected end of input");
        const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
        this.pos += 8;
        return dv.getFloat64(0, true);
      }
      case ThriftType.BINARY:
        return this.binary();
      case ThriftType.LIST:
      case ThriftType.SET:
        return this.list();
      case ThriftType.MAP:
        return this.map();
      case ThriftType.STRUCT:
        return this.struct();
    }
    throw new RangeError(`Thrift: unknown compact type ${type}`);
  }

  /**
   * A list or set.
   *
   * @returns Its element type and items.
   */
  list(): ThriftList {
    const h = this.byte();
    let size = h >> 4;
    const elemType = h & 0x0f;
    if (size === 15) size = Number(this.varint());
    const items: ThriftValue[] = [];
    for (let i = 0; i < size; i++) items.push(this.value(elemType, true));
    return { elemType, items };
  }

  /**
   * A map.
   *
   * @returns Its key and value types and entries.
   */
  map(): ThriftMap {
    const size = Number(this.varint());
    if (size === 0) return { keyType: 0, valueType: 0, entries: [] };
    const kv = this.byte();
    const keyType = kv >> 4, valueType = kv & 0x0f;
    const entries: [ThriftValue, ThriftValue][] = [];
    for (let i = 0; i < size; i++) {
      entries.push([this.value(keyType, true), this.value(valueType, true)]);
    }
    return { keyType, valueType, entries };
  }

  /**
   * A struct, up to and including its stop byte.
   *
   * @returns The struct.
   */
  struct(): ThriftStruct {
    const fields: ThriftField[] = [];
    let last = 0;
    for (;;) {
      const h = this.byte();
      if (h === 0) return new ThriftStruct(fields);
      let type = h & 0x0f;
      const delta = h >> 4;
      const id = delta === 0 ? Number(this.zigzag()) : last + delta;
      const value = this.value(type);
      if (type === ThriftType.BOOL_FALSE) type = ThriftType.BOOL_TRUE;
      const field: ThriftField = { id, type, value };
      if (delta === 0 && id > last && id - last <= 15) field.longHeader = true;
      fields.push(field);
      last = id;
    }
  }
}

/**
 * Decode one struct.
 *
 * @param bytes The bytes.
 * @param start Where the struct starts. @default {0}
 * @returns The struct and the position after its stop byte.
 * @throws {RangeError} When the bytes are truncated or hold an unknown wire type.
 * @example
 * ```ts
 * import { decodeThriftStruct, encodeThriftStruct } from "./thrift_compact.ts";
 * const bytes = new Uint8Array([0x15, 0x04, 0x16, 0x02, 0x00]); // {1: i32 2, 2: i64 1}
 * const { struct, end } = decodeThriftStruct(bytes);
 * if (struct.get(1) !== 2 || struct.get(2) !== 1n || end !== 5) throw new Error("bad decode");
 * if (encodeThriftStruct(struct).join() !== bytes.join()) throw new Error("not lossless");
 * ```
 */
export function decodeThriftStruct(
  bytes: Uint8Array,
  start = 0,
): { struct: ThriftStruct; end: number } {
  const r = new ThriftReader(bytes, start);
  const struct = r.struct();
  return { struct, end: r.pos };
}

/**
 * Encode one struct.
 *
 * @param struct The struct.
 * @returns Its bytes.
 * @throws {RangeError} When a value does not fit its wire type.
 * @example
 * ```ts
 * import { encodeThriftStruct, ThriftStruct, ThriftType } from "./thrift_compact.ts";
 * const s = new ThriftStruct([{ id: 1, type: ThriftType.BINARY, value: new Uint8Array([65]) }]);
 * if (encodeThriftStruct(s).join() !== "24,1,65,0") throw new Error("bad encode");
 * ```
 */
export function encodeThriftStruct(struct: ThriftStruct): Uint8Array {
  const w = new _Writer();
  w.struct(struct);
  return w.bytes();
}

class _Writer {
  #buf = new Uint8Array(1024);
  #len = 0;

  bytes(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  byte(b: number): void {
    this.#room(1);
    this.#buf[this.#len++] = b & 0xff;
  }

  varint(v: bigint): void {
    if (v < 0n) throw new RangeError("Thrift: negative varint");
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) b |= 0x80;
      this.byte(b);
    } while (v !== 0n);
  }

  zigzag(v: bigint, bits: bigint): void {
    if (v >= 1n << (bits - 1n) || v < -(1n << (bits - 1n))) {
      throw new RangeError(`Thrift: ${v} does not fit ${bits} bits`);
    }
    this.varint(v >= 0n ? v << 1n : ((-v) << 1n) - 1n);
  }

  raw(bytes: Uint8Array): void {
    this.#room(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
  }

  value(type: number, v: ThriftValue, inCollection: boolean): void {
    switch (type) {
      case ThriftType.BOOL_TRUE:
      case ThriftType.BOOL_FALSE:
        if (inCollection) this.byte(v === true ? ThriftType.BOOL_TRUE : ThriftType.BOOL_FALSE);
        return; // a field's boolean lives in its header
      case ThriftType.BYTE:
        return this.byte(Number(v));
      case ThriftType.I16:
        return this.zigzag(BigInt(v as number), 16n);
      case ThriftType.I32:
        return this.zigzag(BigInt(v as number), 32n);
      case ThriftType.I64:
        return this.zigzag(BigInt(v as bigint | number), 64n);
      case ThriftType.DOUBLE: {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, v as number, true);
        return this.raw(b);
      }
      case ThriftType.BINARY: {
        const b = v as Uint8Array;
        this.varint(BigInt(b.length));
        return this.raw(b);
      }
      case ThriftType.LIST:
      case ThriftType.SET: {
        const l = v as ThriftList;
        const n = l.items.length;
        if (n < 15) this.byte((n << 4) | l.elemType);
        else {
          this.byte(0xf0 | l.elemType);
          this.varint(BigInt(n));
        }
        for (const item of l.items) this.value(l.elemType, item, true);
        return;
      }
      case ThriftType.MAP: {
        const m = v as ThriftMap;
        this.varint(BigInt(m.entries.length));
        if (m.entries.length === 0) return;
        this.byte((m.keyType << 4) | m.valueType);
        for (const [k, val] of m.entries) {
          this.value(m.keyType, k, true);
          this.value(m.valueType, val, true);
        }
        return;
      }
      case ThriftType.STRUCT:
        return this.struct(v as ThriftStruct);
    }
    throw new RangeError(`Thrift: unknown compact type ${type}`);
  }

  struct(s: ThriftStruct): void {
    let last = 0;
    for (const f of s.fields) {
      let type = f.type;
      if (type === ThriftType.BOOL_TRUE || type === ThriftType.BOOL_FALSE) {
        type = f.value === true ? ThriftType.BOOL_TRUE : ThriftType.BOOL_FALSE;
      }
      const delta = f.id - last;
      if (delta > 0 && delta <= 15 && !f.longHeader) this.byte((delta << 4) | type);
      else {
        this.byte(type);
        this.zigzag(BigInt(f.id), 16n);
      }
      this.value(type, f.value, false);
      last = f.id;
    }
    this.byte(0);
  }
}
