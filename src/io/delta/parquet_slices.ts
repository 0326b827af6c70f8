/**
 * Cutting the rows of one partition into Parquet files near a target size while encoding every
 * row once.
 *
 * A Parquet file's size is known only after encoding, so the plan works from estimates:
 * 1. {@linkcode estimateEncodedSize}: the frame's in-memory size (Polars' estimated size) plus
 *    what PLAIN encoding adds (a 4-byte length per string value, definition levels, metadata).
 *    Compression and dictionary encoding only shrink that, so a frame whose estimate is within
 *    the target is encoded once, as one file. This is the common case (default target 100 MiB).
 * 2. Otherwise a leading sample of rows (1/16 of them, at least 2,048, at most a target's worth
 *    in memory) is encoded to measure the compressed bytes per row. If all rows are predicted
 *    to fit one file, they are encoded once, as one file.
 * 3. Otherwise the rows are cut into equal slices predicted to be at most the target. After
 *    each file the prediction is refreshed from the files just encoded (see `_SizeModel`) and
 *    the remaining rows are re-planned, so files converge on the target.
 *
 * Every row is encoded once, plus the sample of step 2 (at most 1/16 of the rows or 2,048
 * rows, and only for frames larger than the target in memory); the sample is not kept.
 *
 * @module
 */
import pl from "nodejs-polars";
import { polarsTypesOf } from "./binary_column.ts";

/** One file's worth of rows and its encoded bytes. */
export interface ParquetSlice {
  /** The encoded Parquet file. */
  bytes: Uint8Array;
  /** The rows in the file. */
  rows: pl.DataFrame;
}

/** Options of {@linkcode encodeParquetSlices}. */
export interface ParquetSliceOptions {
  /** Aim every file at about this many bytes. */
  targetFileSize: number;
  /** Encode rows as one Parquet file (for example `(df) => df.writeParquet({ compression })`). */
  encode: (rows: pl.DataFrame) => Uint8Array;
}

const _MIN_SAMPLE_ROWS = 2048;
const _SAMPLE_FRACTION = 16;
const _STRING_VARIANTS = new Set(["String", "Utf8", "Binary", "Categorical", "Enum"]);

/**
 * An estimate of the size of `df` as uncompressed, PLAIN-encoded Parquet: Polars' in-memory
 * estimate plus the 4-byte length prefix of every string value, the strings of categorical
 * columns, a bit per value for definition levels, and room for page and footer metadata.
 * Compressed Parquet is smaller in practice.
 *
 * @param df Rows to encode.
 * @returns Bytes; `Infinity` when this Polars build has no size estimate.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { estimateEncodedSize } from "./parquet_slices.ts";
 * const df = pl.DataFrame({ x: [1.5, 2.5, 3.5] });
 * const plain = df.writeParquet({ compression: "uncompressed" }).length;
 * if (estimateEncodedSize(df) < plain) throw new Error("the estimate must bound plain Parquet");
 * ```
 */
export function estimateEncodedSize(df: pl.DataFrame): number {
  let bytes = _nativeEstimate(df) + 1024;
  for (const [name, dtype] of Object.entries(polarsTypesOf(df))) {
    const variant = dtype.variant as string;
    if (_STRING_VARIANTS.has(variant)) bytes += 4 * df.height;
    if (variant === "Categorical" || variant === "Enum") {
      // In memory a category is a u32 code; Parquet stores its string (dictionary or PLAIN).
      bytes += _nativeEstimate(df.select(pl.col(name).cast(pl.Utf8)));
    }
    bytes += Math.ceil(df.height / 8) + 256;
  }
  return bytes;
}

/** Polars' estimated in-memory size (nodejs-polars does not wrap it; the native frame has it). */
function _nativeEstimate(df: pl.DataFrame): number {
  const native = (df as unknown as { _df?: { estimatedSize?: () => number } })._df;
  return typeof native?.estimatedSize === "function" ? Number(native.estimatedSize()) : Infinity;
}

/**
 * Encode `df` as Parquet files of about `targetFileSize` bytes each, in row order.
 *
 * @param df Rows to encode (one partition).
 * @param options Target size and the encoder.
 * @returns The files, lazily: each is encoded when the iterator reaches it. An empty frame still
 *   yields one (empty) file; a single row is never split.
 * @throws {RangeError} When `targetFileSize` is not a positive number.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { encodeParquetSlices } from "./parquet_slices.ts";
 * const df = pl.DataFrame({ x: [1, 2, 3] });
 * const files = [...encodeParquetSlices(df, {
 *   targetFileSize: 1 << 20,
 *   encode: (rows) => rows.writeParquet({ compression: "zstd" }),
 * })];
 * if (files.length !== 1 || files[0].rows.height !== 3) throw new Error("one small file expected");
 * ```
 */
export function* encodeParquetSlices(
  df: pl.DataFrame,
  options: ParquetSliceOptions,
): Generator<ParquetSlice> {
  const target = options.targetFileSize;
  if (!(target > 0)) {
    throw new RangeError(`Cannot size data files: targetFileSize ${target} is not positive`);
  }
  const height = df.height;
  const estimate = estimateEncodedSize(df);
  if (height <= 1 || estimate <= target) {
    yield { bytes: options.encode(df), rows: df };
    return;
  }
  // Calibrate compressed bytes per row on a leading sample (not kept as a file).
  const perTargetInMemory = Number.isFinite(estimate)
    ? Math.max(1, Math.floor(target / (estimate / height)))
    : height;
  const sampleRows = Math.min(
    height,
    perTargetInMemory,
    Math.max(_MIN_SAMPLE_ROWS, Math.ceil(height / _SAMPLE_FRACTION)),
  );
  let model: _SizeModel;
  if (sampleRows >= height) {
    // The sample is the whole frame (no in-memory estimate): keep it if it fits.
    const bytes = options.encode(df);
    if (bytes.byteLength <= target) {
      yield { bytes, rows: df };
      return;
    }
    model = new _SizeModel(height, bytes.byteLength);
  } else {
    model = new _SizeModel(sampleRows, options.encode(df.slice(0, sampleRows)).byteLength);
  }
  let offset = 0;
  while (offset < height) {
    const remaining = height - offset;
    const parts = Math.ceil(remaining / Math.min(remaining, model.rowsFor(target)));
    const rows = df.slice(offset, Math.ceil(remaining / parts));
    const bytes = options.encode(rows);
    yield { bytes, rows };
    offset += rows.height;
    model.observe(rows.height, bytes.byteLength);
  }
}

/**
 * Predicts how many rows fit in a file from the files encoded so far. Two predictions, of which
 * the smaller wins: the bytes per row of the latest file (its fixed metadata included, which
 * over-predicts larger files), and, once two row counts were measured, the line `fixed +
 * perRow * rows` through the two latest (which corrects for the fixed part). Rows differ from
 * slice to slice, so neither is exact; files land near the target, mostly below it.
 */
class _SizeModel {
  #points: [number, number][];

  constructor(rows: number, bytes: number) {
    this.#points = [[rows, bytes]];
  }

  observe(rows: number, bytes: number): void {
    const last = this.#points[this.#points.length - 1];
    if (last[0] === rows) this.#points[this.#points.length - 1] = [rows, bytes];
    else this.#points = [last, [rows, bytes]];
  }

  /** The most rows predicted to fit in `target` bytes (at least 1). */
  rowsFor(target: number): number {
    const [n1, s1] = this.#points[this.#points.length - 1];
    let rows = target / (s1 / n1);
    if (this.#points.length === 2) {
      const [n0, s0] = this.#points[0];
      const slope = (s1 - s0) / (n1 - n0);
      const fixed = s1 - slope * n1;
      if (slope > 0 && fixed >= 0 && fixed < target) {
        rows = Math.min(rows, (target - fixed) / slope);
      }
    }
    return Math.max(1, Math.floor(rows));
  }
}
