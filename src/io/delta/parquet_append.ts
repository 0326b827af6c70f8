/**
 * Appending the row groups of complete Parquet files into one Parquet file, without decoding or
 * re-encoding any page.
 *
 * The output is `PAR1`, then each input's data (the bytes between its leading magic and its
 * page indexes or footer) in input order, then one footer: the first input's `FileMetaData`
 * (schema, key-value metadata, `created_by`, column orders) with `num_rows` summed and the row
 * groups of every input, their absolute offsets shifted by where that input's data landed.
 *
 * Rules:
 * - Every input must have the first input's schema and key-value metadata (byte for byte in the
 *   footer): Polars writes the Arrow schema there, so frames of the same columns and types
 *   qualify. Anything else is refused with {@linkcode ParquetAppendError} before its bytes are
 *   emitted.
 * - Shifted: `RowGroup.file_offset`, `ColumnChunk.file_offset`, and `ColumnMetaData`'s
 *   `data_page_offset`, `index_page_offset`, `dictionary_page_offset` and `bloom_filter_offset`.
 *   `RowGroup.ordinal` is renumbered (dropped past 32767 row groups, where an i16 ends).
 * - Page indexes are kept when an input stores them after its data (as Polars and parquet-rs
 *   do): each column index is copied as it is, each offset index is re-encoded with its page
 *   offsets shifted, and all are written after the last input's data (column indexes, then
 *   offset indexes), with `ColumnChunk`'s index offsets and lengths pointing at them. Otherwise
 *   (an input with bloom filters, or indexes between its pages) that input's index references
 *   are dropped, its index bytes stay as unreferenced bytes, and readers fall back to the
 *   row-group statistics, which stay.
 * - Encrypted files and column chunks stored in other files are refused.
 * - Memory: the appender keeps only footers and page indexes (a few hundred bytes per column
 *   chunk and page), never page bytes; {@linkcode ParquetAppender.append} returns views of its
 *   input to emit.
 *
 * Field ids follow the Apache Parquet format's `parquet.thrift`.
 *
 * @module
 */
import {
  decodeThriftStruct,
  encodeThriftStruct,
  type ThriftList,
  ThriftStruct,
  ThriftType,
} from "./thrift_compact.ts";

/** An input that cannot be appended (not Parquet, another schema, encrypted, external chunks). */
export class ParquetAppendError extends Error {
  /**
   * Create the error.
   *
   * @param message One-line description.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ParquetAppendError";
  }
}

// FileMetaData
const _FM_SCHEMA = 2, _FM_NUM_ROWS = 3, _FM_ROW_GROUPS = 4, _FM_KV = 5, _FM_ENCRYPTION = 8;
// RowGroup
const _RG_COLUMNS = 1, _RG_FILE_OFFSET = 5, _RG_ORDINAL = 7;
// ColumnChunk
const _CC_FILE_PATH = 1, _CC_FILE_OFFSET = 2, _CC_META = 3, _CC_CRYPTO = 8, _CC_ENC_META = 9;
const _CC_PAGE_INDEX = [4, 5, 6, 7]; // offset index offset/length, column index offset/length
// ColumnMetaData
const _CM_TOTAL_COMPRESSED = 7, _CM_DATA_PAGE = 9, _CM_DICT_PAGE = 11, _CM_BLOOM = 14;
const _CM_SHIFTED = [_CM_DATA_PAGE, 10, _CM_DICT_PAGE, _CM_BLOOM];
// OffsetIndex.page_locations, PageLocation.offset
const _OI_PAGES = 1, _PL_OFFSET = 1;

const _MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"

/** A Parquet file's footer, decoded. */
interface _Footer {
  meta: ThriftStruct;
  /** Where the footer's Thrift bytes start (the end of the data and page indexes). */
  start: number;
}

/**
 * Builds one Parquet file from the row groups of successive complete Parquet files.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { Buffer } from "node:buffer";
 * import { ParquetAppender } from "./parquet_append.ts";
 * const a = new Uint8Array(pl.DataFrame({ x: [1, 2] }).writeParquet());
 * const b = new Uint8Array(pl.DataFrame({ x: [3] }).writeParquet());
 * const app = new ParquetAppender();
 * const parts = [...app.append(a), ...app.append(b), app.finish()];
 * const file = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
 * parts.reduce((at, p) => (file.set(p, at), at + p.length), 0);
 * if (pl.readParquet(Buffer.from(file)).getColumn("x").toArray().join() !== "1,2,3") throw new Error("bad");
 * ```
 */
export class ParquetAppender {
  #emitted = 0;
  #head: ThriftStruct | undefined; // first input's FileMetaData without its row groups
  #schemaKey = "";
  #rowGroups: ThriftStruct[] = [];
  /** Page indexes of each row group's column chunks (moved to the end of the file). */
  #indexes: _ChunkIndexes[][] = [];
  #numRows = 0n;
  #finished = false;

  /** Bytes returned so far (what the file holds before its footer). */
  get bytesEmitted(): number {
    return this.#emitted;
  }

  /** Rows appended so far. */
  get numRows(): number {
    return Number(this.#numRows);
  }

  /** Row groups appended so far. */
  get rowGroupCount(): number {
    return this.#rowGroups.length;
  }

  /**
   * Append one complete Parquet file's row groups.
   *
   * @param file The whole file.
   * @returns The bytes to write next, in order (views of `file`, and the leading magic on the
   *   first call).
   * @throws {ParquetAppendError} When `file` is not Parquet, has another schema or key-value
   *   metadata than the first input, is encrypted or references external column chunks, or
   *   when the file was finished.
   */
  append(file: Uint8Array): Uint8Array[] {
    if (this.#finished) throw new ParquetAppendError("Cannot append: the Parquet file is finished");
    const { meta, start } = _readFooter(file);
    if (meta.get(_FM_ENCRYPTION) !== undefined) {
      throw new ParquetAppendError("Cannot append an encrypted Parquet file");
    }
    const key = _schemaKey(meta);
    if (this.#head === undefined) {
      const head = _copy(meta);
      head.delete(_FM_ROW_GROUPS);
      this.#head = head;
      this.#schemaKey = key;
    } else if (key !== this.#schemaKey) {
      throw new ParquetAppendError(
        "Cannot append a Parquet file with another schema or key-value metadata than the first",
      );
    }
    const rowGroups = ((meta.get(_FM_ROW_GROUPS) as ThriftList | undefined)?.items ??
      []) as ThriftStruct[];
    const dataEnd = _dataEnd(rowGroups, start);
    const keepIndexes = dataEnd < start; // indexes follow the data: read them, then move them
    const out: Uint8Array[] = [];
    if (this.#emitted === 0) {
      out.push(_MAGIC);
      this.#emitted = _MAGIC.length;
    }
    const shift = BigInt(this.#emitted - _MAGIC.length);
    for (const rg of rowGroups) {
      const indexes = _columns(rg).map((cc) =>
        keepIndexes ? _chunkIndexes(file, cc, shift, _MAGIC.length, dataEnd) : {}
      );
      const shifted = _shiftRowGroup(rg, shift, _MAGIC.length, dataEnd);
      const ordinal = this.#rowGroups.length;
      if (shifted.get(_RG_ORDINAL) !== undefined) {
        if (ordinal <= 32767) shifted.set(_RG_ORDINAL, ThriftType.I16, ordinal);
        else shifted.delete(_RG_ORDINAL);
      }
      this.#rowGroups.push(_copy(shifted)); // a copy: no view keeps `file` alive
      this.#indexes.push(indexes);
    }
    this.#numRows += BigInt(meta.get(_FM_NUM_ROWS) as bigint | number ?? 0n);
    const body = file.subarray(_MAGIC.length, dataEnd);
    out.push(body);
    this.#emitted += body.length;
    return out;
  }

  /**
   * The footer closing the file: the merged `FileMetaData`, its length and the magic.
   *
   * @returns The last bytes of the file.
   * @throws {ParquetAppendError} When nothing was appended or the file was already finished.
   */
  finish(): Uint8Array {
    if (this.#finished) throw new ParquetAppendError("Cannot finish: the Parquet file is finished");
    if (this.#head === undefined) {
      throw new ParquetAppendError("Cannot finish a Parquet file: nothing was appended");
    }
    this.#finished = true;
    // page indexes after the data: every column index, then every offset index
    const blocks: Uint8Array[] = [];
    let at = this.#emitted;
    for (const [field, kind] of [[6, "column"], [4, "offset"]] as const) {
      this.#rowGroups.forEach((rg, i) => {
        _columns(rg).forEach((cc, j) => {
          const bytes = this.#indexes[i][j][kind];
          if (bytes === undefined) return;
          cc.set(field, ThriftType.I64, BigInt(at));
          cc.set(field + 1, ThriftType.I32, bytes.length);
          blocks.push(bytes);
          at += bytes.length;
        });
      });
    }
    const meta = new ThriftStruct([...this.#head.fields]);
    meta.set(_FM_NUM_ROWS, ThriftType.I64, this.#numRows);
    meta.set(_FM_ROW_GROUPS, ThriftType.LIST, {
      elemType: ThriftType.STRUCT,
      items: this.#rowGroups,
    });
    const thrift = encodeThriftStruct(meta);
    const indexBytes = at - this.#emitted;
    const out = new Uint8Array(indexBytes + thrift.length + 8);
    let k = 0;
    for (const b of blocks) {
      out.set(b, k);
      k += b.length;
    }
    out.set(thrift, k);
    new DataView(out.buffer).setUint32(k + thrift.length, thrift.length, true);
    out.set(_MAGIC, k + thrift.length + 4);
    this.#emitted += out.length;
    return out;
  }
}

/**
 * Append complete Parquet files into one (see the module doc), all in memory.
 *
 * @param files Complete Parquet files of one schema, at least one.
 * @returns The combined file.
 * @throws {ParquetAppendError} See {@linkcode ParquetAppender.append}.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { Buffer } from "node:buffer";
 * import { appendParquetFiles } from "./parquet_append.ts";
 * const f = (x: number[]) => new Uint8Array(pl.DataFrame({ x }).writeParquet());
 * const out = appendParquetFiles([f([1]), f([2, 3])]);
 * if (pl.readParquet(Buffer.from(out)).height !== 3) throw new Error("three rows");
 * ```
 */
export function appendParquetFiles(files: Uint8Array[]): Uint8Array {
  const app = new ParquetAppender();
  const parts = files.flatMap((f) => app.append(f));
  parts.push(app.finish());
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Decode the footer (`FileMetaData`) of a complete Parquet file.
 *
 * @param file The whole file (or a tail holding the whole footer block; `start` is then an
 *   offset in that tail).
 * @returns The decoded footer and where its Thrift bytes start.
 * @throws {ParquetAppendError} When the bytes are not a Parquet file or the footer is corrupt.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { readParquetFooter } from "./parquet_append.ts";
 * const { meta } = readParquetFooter(new Uint8Array(pl.DataFrame({ x: [1, 2] }).writeParquet()));
 * if (meta.get(3) !== 2n) throw new Error("num_rows is field 3");
 * ```
 */
export function readParquetFooter(file: Uint8Array): { meta: ThriftStruct; start: number } {
  return _readFooter(file);
}

function _readFooter(file: Uint8Array): _Footer {
  const bad = (why: string, cause?: unknown) =>
    new ParquetAppendError(`Cannot append: not a complete Parquet file (${why})`, { cause });
  if (file.length < 12) throw bad(`${file.length} bytes`);
  for (let i = 0; i < 4; i++) {
    if (file[file.length - 4 + i] !== _MAGIC[i]) throw bad("no PAR1 magic at the end");
  }
  const len = new DataView(file.buffer, file.byteOffset, file.byteLength)
    .getUint32(file.length - 8, true);
  const start = file.length - 8 - len;
  if (start < 4) throw bad(`footer length ${len} exceeds the file`);
  try {
    const { struct, end } = decodeThriftStruct(file, start);
    if (end !== file.length - 8) throw new RangeError("footer length does not match");
    return { meta: struct, start };
  } catch (cause) {
    throw bad((cause as Error).message, cause);
  }
}

/** The bytes that must match between inputs: the schema and key-value metadata fields. */
function _schemaKey(meta: ThriftStruct): string {
  const picked = new ThriftStruct(
    meta.fields.filter((f) => f.id === _FM_SCHEMA || f.id === _FM_KV),
  );
  const bytes = encodeThriftStruct(picked);
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return s;
}

/**
 * Where an input's data ends: its first page-index byte when every page index follows every
 * column chunk and no bloom filter is stored, else its footer.
 */
function _dataEnd(rowGroups: ThriftStruct[], footerStart: number): number {
  let chunkEnd = 0;
  let indexStart = footerStart;
  let bloom = false;
  for (const rg of rowGroups) {
    for (const cc of _columns(rg)) {
      const md = cc.get(_CC_META) as ThriftStruct | undefined;
      if (!md) continue;
      if (md.get(_CM_BLOOM) !== undefined) bloom = true;
      const first = _firstPage(md);
      chunkEnd = Math.max(chunkEnd, first + Number(md.get(_CM_TOTAL_COMPRESSED) ?? 0));
      for (const id of [4, 6]) {
        const off = cc.get(id);
        if (off !== undefined) indexStart = Math.min(indexStart, Number(off));
      }
    }
  }
  return !bloom && indexStart >= chunkEnd ? indexStart : footerStart;
}

function _columns(rg: ThriftStruct): ThriftStruct[] {
  return ((rg.get(_RG_COLUMNS) as ThriftList | undefined)?.items ?? []) as ThriftStruct[];
}

function _firstPage(md: ThriftStruct): number {
  const data = Number(md.get(_CM_DATA_PAGE) ?? 0);
  const dict = md.get(_CM_DICT_PAGE);
  return dict !== undefined && Number(dict) > 0 && Number(dict) < data ? Number(dict) : data;
}

/** The page indexes of one column chunk, owned (not views of the input). */
interface _ChunkIndexes {
  /** The ColumnIndex struct's bytes, as written. */
  column?: Uint8Array;
  /** The OffsetIndex struct's bytes, page offsets shifted. */
  offset?: Uint8Array;
}

/** Read a column chunk's page indexes and shift the page offsets of its offset index. */
function _chunkIndexes(
  file: Uint8Array,
  cc: ThriftStruct,
  shift: bigint,
  lo: number,
  hi: number,
): _ChunkIndexes {
  const out: _ChunkIndexes = {};
  const slice = (offField: number, lenField: number): Uint8Array | undefined => {
    const off = cc.get(offField), len = cc.get(lenField);
    if (off === undefined || len === undefined) return undefined;
    const start = Number(off), end = start + Number(len);
    if (start < hi || end > file.length - 8) {
      throw new ParquetAppendError(
        `Cannot append a Parquet file: page index at ${start} lies outside its index block`,
      );
    }
    return file.subarray(start, end);
  };
  const column = slice(6, 7);
  if (column) out.column = column.slice();
  const offset = slice(4, 5);
  if (offset) {
    let index: ThriftStruct;
    try {
      index = decodeThriftStruct(offset).struct;
    } catch (cause) {
      throw new ParquetAppendError(
        `Cannot append a Parquet file: corrupt offset index (${(cause as Error).message})`,
        { cause },
      );
    }
    const pages = ((index.get(_OI_PAGES) as ThriftList | undefined)?.items ?? []) as ThriftStruct[];
    const moved = pages.map((p) => {
      const page = new ThriftStruct([...p.fields]);
      const at = BigInt(page.get(_PL_OFFSET) as bigint);
      if (at < BigInt(lo) || at >= BigInt(hi)) {
        throw new ParquetAppendError(
          `Cannot append a Parquet file: page offset ${at} lies outside its data [${lo}, ${hi})`,
        );
      }
      page.set(_PL_OFFSET, ThriftType.I64, at + shift);
      return page;
    });
    index.set(_OI_PAGES, ThriftType.LIST, { elemType: ThriftType.STRUCT, items: moved });
    out.offset = encodeThriftStruct(index);
  }
  return out;
}

/** A row group with its offsets moved by `shift`, checked to lie within `[lo, hi)`. */
function _shiftRowGroup(rg: ThriftStruct, shift: bigint, lo: number, hi: number): ThriftStruct {
  const out = new ThriftStruct([...rg.fields]);
  const move = (s: ThriftStruct, id: number, what: string) => {
    const v = s.get(id);
    if (v === undefined) return;
    const off = BigInt(v as bigint | number);
    if (off < BigInt(lo) || off >= BigInt(hi)) {
      throw new ParquetAppendError(
        `Cannot append a Parquet file: ${what} ${off} lies outside its data [${lo}, ${hi})`,
      );
    }
    s.set(id, ThriftType.I64, off + shift);
  };
  move(out, _RG_FILE_OFFSET, "row group file_offset");
  const columns = _columns(rg).map((cc) => {
    if (cc.get(_CC_FILE_PATH) !== undefined) {
      throw new ParquetAppendError(
        "Cannot append a Parquet file whose column chunks are stored in other files",
      );
    }
    if (cc.get(_CC_CRYPTO) !== undefined || cc.get(_CC_ENC_META) !== undefined) {
      throw new ParquetAppendError("Cannot append a Parquet file with encrypted columns");
    }
    const c = new ThriftStruct([...cc.fields]);
    for (const id of _CC_PAGE_INDEX) c.delete(id);
    // ColumnChunk.file_offset: writers put the chunk's start or its end there; 0 means unset
    const fo = c.get(_CC_FILE_OFFSET);
    if (fo !== undefined && BigInt(fo as bigint) > 0n) {
      c.set(_CC_FILE_OFFSET, ThriftType.I64, BigInt(fo as bigint) + shift);
    }
    const md = c.get(_CC_META) as ThriftStruct | undefined;
    if (md) {
      const m = new ThriftStruct([...md.fields]);
      for (const id of _CM_SHIFTED) {
        // dictionary/index page offsets of 0 are "unset" in some writers
        if (id !== _CM_DATA_PAGE && m.get(id) !== undefined && BigInt(m.get(id) as bigint) === 0n) {
          continue;
        }
        move(m, id, `column chunk offset (field ${id})`);
      }
      c.set(_CC_META, ThriftType.STRUCT, m);
    }
    return c;
  });
  out.set(_RG_COLUMNS, ThriftType.LIST, { elemType: ThriftType.STRUCT, items: columns });
  return out;
}

/** A deep copy owning its bytes (decoded from a fresh encoding). */
function _copy(s: ThriftStruct): ThriftStruct {
  return decodeThriftStruct(encodeThriftStruct(s)).struct;
}
