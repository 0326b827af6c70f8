/**
 * Deletion vectors: which rows of a data file are deleted.
 *
 * A descriptor (`add.deletionVector`) locates the DV:
 * - `i` (inline): `pathOrInlineDv` is the Z85-encoded bitmap itself (padded to a multiple of 4
 *   bytes; the first `sizeInBytes` bytes count).
 * - `u` (UUID-relative): `pathOrInlineDv` is `<random prefix><20-char Z85 UUID>`; the file is
 *   `<table root>/<prefix>/deletion_vector_<uuid>.bin` (no prefix folder when the prefix is empty).
 * - `p` (absolute): `pathOrInlineDv` is a URI, URL-decoded once; `file:` URIs are supported.
 *
 * A DV file starts with a version byte (1); each DV at `offset` is a 4-byte big-endian size, the
 * bitmap bytes, and a 4-byte big-endian CRC-32 of them. The bitmap is a `RoaringBitmapArray`:
 * magic 1681511377 (little-endian), then the 64-bit Roaring "portable" format: an 8-byte count
 * of buckets, then per bucket a 4-byte key (the high 32 bits) and a standard 32-bit Roaring
 * bitmap (array, bitmap and run containers).
 *
 * Row indexes are 0-based positions in the Parquet file.
 *
 * @module
 */
import pl from "nodejs-polars";
import { fileURLToPath } from "node:url";
import type { DeletionVectorDescriptor } from "./actions.ts";
import { CorruptLogError, UnsupportedFeatureError } from "./errors.ts";
import type { ObjectStorage } from "./storage.ts";

/** The magic number of Delta's `RoaringBitmapArray` portable serialisation. */
export const DV_MAGIC = 1681511377;

const _Z85_CHARS =
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
const _Z85_DECODE = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < _Z85_CHARS.length; i++) table[_Z85_CHARS.charCodeAt(i)] = i;
  return table;
})();

/**
 * Decode a Z85 (ZeroMQ base-85) string, as Delta writers produce it.
 *
 * Two ways of encoding a byte count that is not a multiple of 4 occur in real tables:
 * - Spark (Delta's `Base85Codec`) pads the input with zero bytes to a multiple of 4; the extra
 *   bytes decode as zeros and the caller keeps the first `sizeInBytes`.
 * - The Rust `z85` crate (kernel-rs and Databricks-written tables) encodes a final `k`-byte
 *   chunk as `4 - k` `#` characters followed by the `k + 1` base-85 digits of those bytes,
 *   for example `##093` for the two bytes `03 00`. A group starting with `#` can never be a
 *   full group (its value would exceed 32 bits), so it is read as such a tail.
 * Other groups above 32 bits wrap modulo 2^32, as in Delta's reference codec.
 *
 * @param text The encoded text; its length must be a multiple of 5.
 * @returns The bytes (4 per 5 characters; fewer for a `#`-padded final group).
 * @throws {CorruptLogError} On a bad length, a character outside the Z85 alphabet, or a
 *   `#`-padded group that is not the last one.
 * @example
 * ```ts
 * import { decodeZ85 } from "./deletion_vector.ts";
 * const b = decodeZ85("HelloWorld");
 * if (b.join() !== [0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b].join()) throw new Error("z85");
 * if (decodeZ85("##093").join() !== "3,0") throw new Error("padded tail");
 * ```
 */
export function decodeZ85(text: string): Uint8Array {
  if (text.length % 5 !== 0) {
    throw new CorruptLogError(
      `Cannot decode Z85 text of length ${text.length}: the length must be a multiple of 5`,
    );
  }
  const out = new Uint8Array((text.length / 5) * 4);
  let o = 0;
  for (let i = 0; i < text.length; i += 5) {
    let pad = 0;
    while (pad < 4 && text[i + pad] === "#") pad++;
    if (pad > 0 && i + 5 !== text.length) {
      throw new CorruptLogError(
        `Cannot decode Z85 text: "#"-padded group at ${i} is not the last group`,
      );
    }
    let value = 0;
    for (let j = pad; j < 5; j++) {
      const code = text.charCodeAt(i + j);
      const digit = code < 128 ? _Z85_DECODE[code] : -1;
      if (digit < 0) {
        throw new CorruptLogError(
          `Cannot decode Z85 text: invalid character "${text[i + j]}" at ${i + j}`,
        );
      }
      value = (value * 85 + digit) % 4294967296;
    }
    const bytes = 4 - pad;
    for (let k = bytes - 1; k >= 0; k--) {
      out[o + k] = value & 0xff;
      value = Math.floor(value / 256);
    }
    o += bytes;
  }
  return out.subarray(0, o);
}

/**
 * Where a non-inline DV is stored.
 *
 * @param descriptor The deletion vector descriptor (`u` or `p`).
 * @returns `{ relativePath }` (relative to the table root) for `u`, `{ uri }` (decoded once) for `p`.
 * @throws {CorruptLogError} When a `u` descriptor is shorter than 20 characters.
 * @throws {TypeError} For an inline descriptor.
 * @example
 * ```ts
 * import { deletionVectorLocation } from "./deletion_vector.ts";
 * const loc = deletionVectorLocation({ storageType: "u", pathOrInlineDv: "ab^Bg9^0rr910000000000", sizeInBytes: 1, cardinality: 1 });
 * if (!loc.relativePath?.startsWith("ab/deletion_vector_")) throw new Error(JSON.stringify(loc));
 * ```
 */
export function deletionVectorLocation(
  descriptor: DeletionVectorDescriptor,
): { relativePath?: string; uri?: string } {
  const { storageType, pathOrInlineDv } = descriptor;
  if (storageType === "u") {
    if (pathOrInlineDv.length < 20) {
      throw new CorruptLogError(
        `Cannot locate deletion vector "${pathOrInlineDv}": expected at least 20 characters`,
      );
    }
    const prefix = pathOrInlineDv.slice(0, -20);
    const uuid = _formatUuid(decodeZ85(pathOrInlineDv.slice(-20)));
    const name = `deletion_vector_${uuid}.bin`;
    return { relativePath: prefix ? `${prefix}/${name}` : name };
  }
  if (storageType === "p") {
    let uri: string;
    try {
      uri = decodeURIComponent(pathOrInlineDv);
    } catch {
      uri = pathOrInlineDv;
    }
    return { uri };
  }
  throw new TypeError(`Deletion vector storage type "${storageType}" has no file location`);
}

function _formatUuid(b: Uint8Array): string {
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const _CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function _crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = _CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

class _Reader {
  pos = 0;
  constructor(readonly view: DataView, readonly what: string) {}
  need(n: number): void {
    if (this.pos + n > this.view.byteLength) {
      throw new CorruptLogError(
        `Cannot decode deletion vector ${this.what}: truncated at byte ${this.pos} (needs ${n} more of ${this.view.byteLength})`,
      );
    }
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
}

const _SERIAL_COOKIE_NO_RUN = 12346;
const _SERIAL_COOKIE = 12347;
const _NO_OFFSET_THRESHOLD = 4;

function _decodeRoaring32(r: _Reader, high: bigint, out: bigint[]): void {
  const cookie = r.u32();
  let n: number;
  let runFlags: Uint8Array | undefined;
  if ((cookie & 0xffff) === _SERIAL_COOKIE) {
    n = (cookie >>> 16) + 1;
    const bytes = Math.ceil(n / 8);
    r.need(bytes);
    runFlags = new Uint8Array(r.view.buffer, r.view.byteOffset + r.pos, bytes);
    r.pos += bytes;
  } else if (cookie === _SERIAL_COOKIE_NO_RUN) {
    n = r.u32();
  } else {
    throw new CorruptLogError(
      `Cannot decode deletion vector ${r.what}: unknown Roaring cookie ${cookie}`,
    );
  }
  const keys = new Array<number>(n);
  const cards = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    keys[i] = r.u16();
    cards[i] = r.u16() + 1;
  }
  if (!runFlags || n >= _NO_OFFSET_THRESHOLD) {
    r.need(4 * n);
    r.pos += 4 * n; // container offsets: containers follow in order, so they are not needed
  }
  for (let i = 0; i < n; i++) {
    const base = high | (BigInt(keys[i]) << 16n);
    const isRun = runFlags !== undefined && (runFlags[i >> 3] & (1 << (i & 7))) !== 0;
    if (isRun) {
      const runs = r.u16();
      for (let k = 0; k < runs; k++) {
        const start = r.u16();
        const len = r.u16();
        for (let v = start; v <= start + len; v++) out.push(base | BigInt(v));
      }
    } else if (cards[i] > 4096) {
      r.need(8192);
      for (let w = 0; w < 2048; w++) {
        let word = r.view.getUint32(r.pos + w * 4, true);
        while (word !== 0) {
          const bit = 31 - Math.clz32(word & -word);
          out.push(base | BigInt(w * 32 + bit));
          word &= word - 1;
        }
      }
      r.pos += 8192;
    } else {
      for (let k = 0; k < cards[i]; k++) out.push(base | BigInt(r.u16()));
    }
  }
}

/**
 * Decode a serialised `RoaringBitmapArray` (magic number, then the 64-bit portable format).
 *
 * @param bytes The bitmap bytes (an inline DV, or the data part of a DV in a file).
 * @param what A description for error messages.
 * @returns The set row indexes, sorted ascending.
 * @throws {CorruptLogError} On a wrong magic number or truncated data.
 * @example
 * ```ts
 * import { decodeDeletionVector, decodeZ85 } from "./deletion_vector.ts";
 * const rows = decodeDeletionVector(decodeZ85("^Bg9^0rr910000000000iXQKl0rr91000315c8Xg000f5").subarray(0, 36));
 * if (rows.join() !== "0,5") throw new Error(rows.join());
 * ```
 */
export function decodeDeletionVector(bytes: Uint8Array, what = "bitmap"): BigUint64Array {
  const r = new _Reader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), what);
  const magic = r.u32();
  if (magic !== DV_MAGIC) {
    throw new CorruptLogError(
      `Cannot decode deletion vector ${what}: magic number ${magic}, expected ${DV_MAGIC}`,
    );
  }
  const buckets = r.u64();
  const out: bigint[] = [];
  let previous = -1n;
  for (let b = 0n; b < buckets; b++) {
    const key = BigInt(r.u32());
    if (key <= previous) {
      throw new CorruptLogError(`Cannot decode deletion vector ${what}: bucket keys not ascending`);
    }
    previous = key;
    _decodeRoaring32(r, key << 32n, out);
  }
  const result = BigUint64Array.from(out);
  result.sort();
  return result;
}

/** Options of {@linkcode readDeletionVector}. */
export interface ReadDeletionVectorOptions {
  /**
   * The table root as a local path or `file:` URI, used to turn absolute (`p`) DV paths that
   * lie inside the table into storage keys.
   *
   * @default {storage.localPath?.("") ?? storage.root}
   */
  tableRoot?: string;
}

async function _readAbsolute(
  storage: ObjectStorage,
  uri: string,
  root: string | undefined,
  range: { start: number; end: number },
): Promise<Uint8Array> {
  let localPath: string | undefined;
  if (uri.startsWith("file:")) {
    // Accept both file:///abs/path and file:/abs/path; the string is already decoded once.
    localPath = uri.replace(/^file:(\/\/(localhost)?)?/, "");
    if (!localPath.startsWith("/")) localPath = `/${localPath}`;
  } else if (uri.startsWith("/")) {
    localPath = uri;
  } else {
    throw new UnsupportedFeatureError(
      "deletionVectors",
      `Unsupported deletion vector location "${uri}": only file: URIs and table-relative paths are supported`,
    );
  }
  if (root) {
    const rootPath = (root.startsWith("file:") ? fileURLToPath(root) : root).replace(/\/+$/, "");
    if (localPath.startsWith(`${rootPath}/`)) {
      return await storage.read(localPath.slice(rootPath.length + 1), range);
    }
  }
  const file = await Deno.open(localPath, { read: true });
  try {
    await file.seek(range.start, Deno.SeekMode.Start);
    const buf = new Uint8Array(range.end - range.start);
    let got = 0;
    while (got < buf.length) {
      const n = await file.read(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    file.close();
  }
}

/**
 * Read the deleted row indexes of one data file.
 *
 * @param storage Storage rooted at the table root.
 * @param descriptor The file's `deletionVector` descriptor.
 * @param options The table root (a string is accepted as `tableRoot`).
 * @returns The deleted row indexes, sorted ascending, `cardinality` of them.
 * @throws {CorruptLogError} When the DV is truncated, its checksum, size or cardinality does not
 *   match the descriptor, or its encoding is invalid.
 * @throws {UnsupportedFeatureError} For an unknown storage type or a non-`file:` absolute URI.
 * @throws {FileNotFoundError} When the DV file is missing.
 * @example
 * ```ts
 * import { MemoryStorage } from "./memory_storage.ts";
 * import { readDeletionVector } from "./deletion_vector.ts";
 * const rows = await readDeletionVector(new MemoryStorage(), {
 *   storageType: "i", pathOrInlineDv: "^Bg9^0rr910000000000iXQKl0rr91000315c8Xg000f5", sizeInBytes: 36, cardinality: 2,
 * });
 * if (rows.join() !== "0,5") throw new Error(rows.join());
 * ```
 */
export async function readDeletionVector(
  storage: ObjectStorage,
  descriptor: DeletionVectorDescriptor,
  options?: ReadDeletionVectorOptions | string,
): Promise<BigUint64Array> {
  const opts: ReadDeletionVectorOptions = typeof options === "string"
    ? { tableRoot: options }
    : options ?? {};
  const { storageType, pathOrInlineDv, sizeInBytes, cardinality } = descriptor;
  let rows: BigUint64Array;
  if (storageType === "i") {
    const bytes = decodeZ85(pathOrInlineDv);
    if (bytes.length < sizeInBytes) {
      throw new CorruptLogError(
        `Cannot read inline deletion vector: ${bytes.length} bytes decoded, sizeInBytes is ${sizeInBytes}`,
      );
    }
    rows = decodeDeletionVector(bytes.subarray(0, sizeInBytes), "inline");
  } else if (storageType === "u" || storageType === "p") {
    const loc = deletionVectorLocation(descriptor);
    const offset = descriptor.offset ?? 1;
    const range = { start: offset, end: offset + 4 + sizeInBytes + 4 };
    const what = `"${loc.relativePath ?? loc.uri}" at offset ${offset}`;
    const bytes = loc.relativePath !== undefined
      ? await storage.read(loc.relativePath, range)
      : await _readAbsolute(
        storage,
        loc.uri!,
        opts.tableRoot ?? storage.localPath?.("") ?? storage.root,
        range,
      );
    if (bytes.length < range.end - range.start) {
      throw new CorruptLogError(`Cannot read deletion vector ${what}: file is truncated`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const size = view.getUint32(0, false);
    if (size !== sizeInBytes) {
      throw new CorruptLogError(
        `Cannot read deletion vector ${what}: stored size ${size}, descriptor says ${sizeInBytes}`,
      );
    }
    const data = bytes.subarray(4, 4 + size);
    const crc = view.getUint32(4 + size, false);
    if (_crc32(data) !== crc) {
      throw new CorruptLogError(`Cannot read deletion vector ${what}: checksum mismatch`);
    }
    rows = decodeDeletionVector(data, what);
  } else {
    throw new UnsupportedFeatureError(
      "deletionVectors",
      `Unsupported deletion vector storage type "${storageType}"`,
    );
  }
  if (rows.length !== cardinality) {
    throw new CorruptLogError(
      `Cannot read deletion vector "${pathOrInlineDv}": ${rows.length} rows decoded, cardinality is ${cardinality}`,
    );
  }
  return rows;
}

/**
 * Remove deleted rows from one data file's frame, by position.
 *
 * Must be applied to the file's rows in file order, before any filter or reordering.
 *
 * @param frame The rows of one data file, in file order.
 * @param deleted The deleted row indexes (from {@linkcode readDeletionVector}).
 * @returns The frame without the deleted rows; the same frame when nothing is deleted.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { removeDeletedRows } from "./deletion_vector.ts";
 * const out = removeDeletedRows(pl.DataFrame({ id: [0, 1, 2, 3] }).lazy(), BigUint64Array.of(0n, 2n)).collectSync();
 * if (out.getColumn("id").toArray().join() !== "1,3") throw new Error("kept rows");
 * ```
 */
export function removeDeletedRows(
  frame: pl.LazyDataFrame,
  deleted: BigUint64Array | readonly number[],
): pl.LazyDataFrame {
  if (deleted.length === 0) return frame;
  const rowIndex = "__pointline_dv_row_index";
  const deletedFrame = pl.DataFrame({
    [rowIndex]: pl.Series(rowIndex, Array.from(deleted, Number), pl.Float64).cast(pl.UInt32),
  }).lazy();
  return frame.withRowIndex(rowIndex)
    .join(deletedFrame, { on: rowIndex, how: "anti" })
    .sort(rowIndex)
    .drop(rowIndex);
}
