/**
 * Exact reading of legacy Parquet `INT96` timestamps (Spark's default before 3.x).
 *
 * Polars (and arrow-rs) read INT96 as nanoseconds in an Int64, which cannot hold instants
 * after 2262-04-11 or before 1677-09-21: Polars saturates, arrow-rs wraps. Delta timestamps are
 * microseconds, so this module decodes INT96 top-level columns itself: it parses the Parquet
 * footer (Thrift compact protocol), walks each column chunk's pages (v1 and v2 data pages,
 * dictionary pages; PLAIN and dictionary encodings; uncompressed, Snappy, Gzip and Zstd), and
 * returns microseconds since the epoch (`(julianDay - 2440588) * 86400e6 + nanosOfDay / 1000`).
 *
 * Only files whose footer names an INT96 column pay for this; others are never decoded here.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import * as zlib from "node:zlib";
import { CorruptLogError, UnsupportedFeatureError } from "./errors.ts";
import { ThriftReader, type ThriftStruct, type ThriftValue } from "./thrift_compact.ts";

// ---------- footer ----------

/** One INT96 column chunk of a row group. */
interface _Chunk {
  codec: number;
  start: number;
  length: number;
  numValues: number;
}

/** The INT96 top-level columns of a Parquet file and their chunks, per row group. */
export interface Int96Layout {
  /** Top-level column names stored as INT96, in file order. */
  columns: string[];
  /** Whether each of those columns is optional (has definition levels). */
  optional: boolean[];
  /** Row-group chunks of each column. */
  chunks: _Chunk[][];
  /** Total rows of the file. */
  numRows: number;
}

const _dec = new TextDecoder();
const _MAGIC = 0x31524150; // "PAR1"

/** A struct's fields by id, lists as arrays of their items (the shape the walks below read). */
type _TStruct = Record<number, unknown>;

function _plain(v: ThriftValue): unknown {
  if (v instanceof Uint8Array || typeof v !== "object") return v;
  if ("fields" in v) {
    const out: _TStruct = {};
    for (const f of (v as ThriftStruct).fields) out[f.id] = _plain(f.value);
    return out;
  }
  if ("items" in v) return v.items.map(_plain);
  return v;
}

function _struct(r: ThriftReader): _TStruct {
  return _plain(r.struct()) as _TStruct;
}

function _footer(bytes: Uint8Array): _TStruct {
  if (bytes.length < 12) throw new RangeError("not a Parquet file");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(bytes.length - 4, true) !== _MAGIC) throw new RangeError("no PAR1 magic");
  const len = dv.getUint32(bytes.length - 8, true);
  const start = bytes.length - 8 - len;
  if (start < 0) throw new RangeError("bad footer length");
  return _struct(new ThriftReader(bytes, start));
}

/**
 * The length of the footer block (Thrift metadata, its 4-byte length and the magic) of a
 * Parquet file, from its last 8 bytes.
 *
 * @param tail At least the last 8 bytes of the file.
 * @returns The number of bytes at the end of the file that {@linkcode int96Layout} needs.
 * @throws {CorruptLogError} When the bytes do not end with the Parquet magic.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { footerBlockLength } from "./parquet_int96.ts";
 * const bytes = new Uint8Array(pl.DataFrame({ x: [1] }).writeParquet());
 * const n = footerBlockLength(bytes.subarray(bytes.length - 8));
 * if (n <= 8 || n >= bytes.length) throw new Error("the footer block is part of the file");
 * ```
 */
export function footerBlockLength(tail: Uint8Array): number {
  const dv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  if (tail.length < 8 || dv.getUint32(tail.length - 4, true) !== _MAGIC) {
    throw new CorruptLogError("Cannot read Parquet footer: no PAR1 magic at the end of the file");
  }
  return dv.getUint32(tail.length - 8, true) + 8;
}

/**
 * Find the top-level INT96 columns of a Parquet file from its footer.
 *
 * @param bytes The whole file, or any tail of it holding the whole footer block (chunk offsets
 *   in the result are offsets in the whole file).
 * @returns The layout, or `undefined` when the file has no top-level INT96 column.
 * @throws {CorruptLogError} When the footer cannot be parsed.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { int96Layout } from "./parquet_int96.ts";
 * if (int96Layout(new Uint8Array(pl.DataFrame({ x: [1] }).writeParquet())) !== undefined) throw new Error("no INT96");
 * ```
 */
export function int96Layout(bytes: Uint8Array): Int96Layout | undefined {
  let meta: _TStruct;
  try {
    meta = _footer(bytes);
  } catch (cause) {
    throw new CorruptLogError(`Cannot read Parquet footer: ${(cause as Error).message}`, { cause });
  }
  const schema = (meta[2] ?? []) as _TStruct[];
  if (schema.length === 0) return undefined;
  // walk the schema tree: element 0 is the root; record top-level leaves of type INT96 (3)
  const columns: string[] = [];
  const optional: boolean[] = [];
  let i = 1;
  const skip = (): void => {
    const el = schema[i++];
    const n = Number(el[5] ?? 0);
    for (let c = 0; c < n; c++) skip();
  };
  const rootChildren = Number(schema[0][5] ?? 0);
  for (let c = 0; c < rootChildren && i < schema.length; c++) {
    const el = schema[i];
    if (Number(el[5] ?? 0) === 0 && el[1] === 3) {
      columns.push(_dec.decode(el[4] as Uint8Array));
      optional.push(el[3] !== 0);
    }
    skip();
  }
  if (columns.length === 0) return undefined;
  const chunks: _Chunk[][] = columns.map(() => []);
  for (const rg of (meta[4] ?? []) as _TStruct[]) {
    for (const cc of (rg[1] ?? []) as _TStruct[]) {
      const md = cc[3] as _TStruct | undefined;
      if (!md) continue;
      const path = ((md[3] ?? []) as Uint8Array[]).map((p) => _dec.decode(p));
      if (path.length !== 1) continue;
      const k = columns.indexOf(path[0]);
      if (k < 0) continue;
      const dataOff = Number(md[9]);
      const dictOff = md[11] !== undefined ? Number(md[11]) : undefined;
      const start = dictOff !== undefined && dictOff > 0 && dictOff < dataOff ? dictOff : dataOff;
      chunks[k].push({
        codec: Number(md[4]),
        start,
        length: Number(md[7]),
        numValues: Number(md[5]),
      });
    }
  }
  return { columns, optional, chunks, numRows: Number(meta[3] ?? 0) };
}

// ---------- pages ----------

function _snappy(src: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let ip = 0;
  // preamble: uncompressed length varint
  while (src[ip++] & 0x80) { /* skip */ }
  let op = 0;
  while (ip < src.length) {
    const tag = src[ip++];
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >> 2;
      if (len >= 60) {
        const nb = len - 59;
        len = 0;
        for (let b = 0; b < nb; b++) len |= src[ip++] << (8 * b);
      }
      len += 1;
      out.set(src.subarray(ip, ip + len), op);
      ip += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      len = ((tag >> 2) & 7) + 4;
      offset = ((tag >> 5) << 8) | src[ip++];
    } else if (kind === 2) {
      len = (tag >> 2) + 1;
      offset = src[ip] | (src[ip + 1] << 8);
      ip += 2;
    } else {
      len = (tag >> 2) + 1;
      offset = src[ip] | (src[ip + 1] << 8) | (src[ip + 2] << 16) | (src[ip + 3] << 24);
      ip += 4;
    }
    if (offset <= 0 || offset > op) throw new RangeError("Snappy: bad copy offset");
    for (let k = 0; k < len; k++, op++) out[op] = out[op - offset];
  }
  return out;
}

function _decompress(codec: number, data: Uint8Array, size: number): Uint8Array {
  switch (codec) {
    case 0:
      return data;
    case 1:
      return _snappy(data, size);
    case 2:
      return new Uint8Array(gunzipSync(data));
    case 6: {
      const z = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Uint8Array })
        .zstdDecompressSync;
      if (z) return new Uint8Array(z(data));
    }
  }
  throw new UnsupportedFeatureError(
    `parquet-codec-${codec}`,
    `Unsupported Parquet compression codec ${codec} in an INT96 column`,
  );
}

/** Decode an RLE/bit-packed hybrid run of `count` values of `width` bits. */
function _hybrid(
  buf: Uint8Array,
  pos: number,
  end: number,
  width: number,
  count: number,
): number[] {
  const out: number[] = [];
  const byteWidth = (width + 7) >> 3;
  const r = new ThriftReader(buf, pos);
  while (out.length < count && r.pos < end) {
    const header = Number(r.varint());
    if (header & 1) {
      const groups = header >> 1;
      const n = groups * 8;
      let bitPos = r.pos * 8;
      for (let k = 0; k < n; k++) {
        let v = 0;
        for (let b = 0; b < width; b++, bitPos++) {
          if (buf[bitPos >> 3] & (1 << (bitPos & 7))) v |= 1 << b;
        }
        if (out.length < count) out.push(v);
      }
      r.pos += groups * width;
    } else {
      const run = header >> 1;
      let v = 0;
      for (let b = 0; b < byteWidth; b++) v |= buf[r.pos++] << (8 * b);
      for (let k = 0; k < run && out.length < count; k++) out.push(v);
    }
  }
  while (out.length < count) out.push(0);
  return out;
}

const _EPOCH_JULIAN = 2440588n;
const _US_PER_DAY = 86_400_000_000n;

function _int96Micros(buf: Uint8Array, off: number): bigint {
  const dv = new DataView(buf.buffer, buf.byteOffset + off, 12);
  const nanos = dv.getBigInt64(0, true);
  const day = BigInt(dv.getUint32(8, true));
  return (day - _EPOCH_JULIAN) * _US_PER_DAY + nanos / 1000n;
}

function _readChunk(bytes: Uint8Array, chunk: _Chunk, optional: boolean): (bigint | null)[] {
  const out: (bigint | null)[] = [];
  let dict: bigint[] | undefined;
  let pos = chunk.start;
  const end = chunk.start + chunk.length;
  while (pos < end && out.length < chunk.numValues) {
    const t = new ThriftReader(bytes, pos);
    const h = _struct(t);
    const pageType = Number(h[1]);
    const uncompressed = Number(h[2]);
    const compressed = Number(h[3]);
    const body = bytes.subarray(t.pos, t.pos + compressed);
    pos = t.pos + compressed;
    if (pageType === 2) {
      const data = _decompress(chunk.codec, body, uncompressed);
      const n = Number((h[7] as _TStruct)[1]);
      dict = Array.from({ length: n }, (_, k) => _int96Micros(data, k * 12));
      continue;
    }
    if (pageType !== 0 && pageType !== 3) continue; // index pages
    let data: Uint8Array;
    let p = 0;
    let numValues: number;
    let encoding: number;
    let defs: number[] | undefined;
    if (pageType === 0) {
      const dh = h[5] as _TStruct;
      numValues = Number(dh[1]);
      encoding = Number(dh[2]);
      data = _decompress(chunk.codec, body, uncompressed);
      if (optional) {
        const len = new DataView(data.buffer, data.byteOffset + p, 4).getUint32(0, true);
        defs = _hybrid(data, p + 4, p + 4 + len, 1, numValues);
        p += 4 + len;
      }
    } else {
      const dh = h[8] as _TStruct;
      numValues = Number(dh[1]);
      encoding = Number(dh[4]);
      const defLen = Number(dh[5]);
      const repLen = Number(dh[6]);
      const levels = body.subarray(0, repLen + defLen);
      if (optional) defs = _hybrid(levels, repLen, repLen + defLen, 1, numValues);
      const values = body.subarray(repLen + defLen);
      const isCompressed = dh[7] === undefined ? true : dh[7] === true;
      data = isCompressed
        ? _decompress(chunk.codec, values, uncompressed - repLen - defLen)
        : values;
    }
    const present = defs ? defs.filter((d) => d === 1).length : numValues;
    let vals: bigint[];
    if (encoding === 0) {
      vals = Array.from({ length: present }, (_, k) => _int96Micros(data, p + k * 12));
    } else if (encoding === 2 || encoding === 8) {
      if (!dict) throw new RangeError("dictionary-encoded page without a dictionary");
      const width = data[p];
      const idx = _hybrid(data, p + 1, data.length, width, present);
      vals = idx.map((k) => dict![k]);
    } else {
      throw new UnsupportedFeatureError(
        `parquet-encoding-${encoding}`,
        `Unsupported Parquet encoding ${encoding} in an INT96 column`,
      );
    }
    let v = 0;
    for (let k = 0; k < numValues; k++) {
      if (defs && defs[k] === 0) out.push(null);
      else out.push(vals[v++]);
    }
  }
  return out;
}

/**
 * Decode the INT96 columns of a Parquet file to microseconds since the epoch.
 *
 * @param bytes The whole file.
 * @param layout Its INT96 layout (from {@linkcode int96Layout}).
 * @returns Column name → one value per row (`null` for nulls), in file row order.
 * @throws {CorruptLogError} When the pages cannot be decoded.
 * @throws {UnsupportedFeatureError} For an unsupported codec or encoding.
 *
 * @example A file without INT96 columns has no layout
 * ```ts
 * import pl from "nodejs-polars";
 * import { int96Layout } from "./parquet_int96.ts";
 * const bytes = new Uint8Array(pl.DataFrame({ x: [1] }).writeParquet());
 * if (int96Layout(bytes) !== undefined) throw new Error("no INT96 expected");
 * ```
 */
export function decodeInt96Columns(
  bytes: Uint8Array,
  layout: Int96Layout,
): Map<string, (bigint | null)[]> {
  const out = new Map<string, (bigint | null)[]>();
  layout.columns.forEach((name, k) => {
    try {
      const values: (bigint | null)[] = [];
      for (const chunk of layout.chunks[k]) {
        for (const v of _readChunk(bytes, chunk, layout.optional[k])) values.push(v);
      }
      out.set(name, values);
    } catch (cause) {
      if (cause instanceof UnsupportedFeatureError) throw cause;
      throw new CorruptLogError(
        `Cannot decode INT96 column "${name}": ${(cause as Error).message}`,
        { cause },
      );
    }
  });
  return out;
}
