import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  encodeParquetSlices,
  estimateEncodedSize,
  type ParquetSlice,
} from "../../../src/io/delta/parquet_slices.ts";
import { tradesFrame } from "./_trades_frame.ts";

/** Slice `df` for `target`, counting the rows handed to the encoder. */
function slices(df: pl.DataFrame, target: number): { files: ParquetSlice[]; encodedRows: number } {
  let encodedRows = 0;
  const files = [...encodeParquetSlices(df, {
    targetFileSize: target,
    encode: (rows) => {
      encodedRows += rows.height;
      return rows.writeParquet({ compression: "zstd" });
    },
  })];
  return { files, encodedRows };
}

function assertRowsInOrder(df: pl.DataFrame, files: ParquetSlice[]): void {
  const ids = files.flatMap((f) => f.rows.getColumn("id").toArray().map(Number));
  assert.deepEqual(ids, df.getColumn("id").toArray().map(Number), "every row once, in order");
}

Deno.test("a frame within the target in memory is encoded once, as one file", () => {
  const df = tradesFrame(10_000);
  assert.ok(estimateEncodedSize(df) < 1 << 20);
  const { files, encodedRows } = slices(df, 1 << 20);
  assert.equal(files.length, 1);
  assert.equal(encodedRows, df.height, "no row encoded twice");
  assert.equal(files[0].rows.height, df.height);
  assert.deepEqual(files[0].bytes, df.writeParquet({ compression: "zstd" }));
});

Deno.test("a frame above the target is cut into files at or below it, each row encoded once (plus a sample)", () => {
  const df = tradesFrame(240_000);
  const target = 100_000;
  const whole = df.writeParquet({ compression: "zstd" }).length;
  const { files, encodedRows } = slices(df, target);
  assertRowsInOrder(df, files);
  const sizes = files.map((f) => f.bytes.byteLength);
  assert.ok(files.length >= Math.ceil(whole / target), `files: ${sizes.join(", ")}`);
  for (const s of sizes) assert.ok(s <= target, `file of ${s} bytes above the target ${target}`);
  const total = sizes.reduce((a, b) => a + b, 0);
  assert.ok(total / files.length >= 0.6 * target, `files near the target: ${sizes.join(", ")}`);
  // Was 2 x the rows (the whole group encoded, then every slice); now 1 x plus a sample of
  // max(2,048 rows, 1/16 of them).
  assert.ok(
    encodedRows <= df.height + Math.max(2048, Math.ceil(df.height / 16)),
    `encoded ${encodedRows} rows for ${df.height}`,
  );
});

Deno.test("a frame larger than the target in memory that compresses below it stays one file", () => {
  const df = tradesFrame(60_000);
  const whole = df.writeParquet({ compression: "zstd" }).length;
  const target = whole * 2;
  assert.ok(estimateEncodedSize(df) > target, "in memory it is above the target");
  const { files, encodedRows } = slices(df, target);
  assert.equal(files.length, 1);
  assert.equal(files[0].rows.height, df.height);
  assert.ok(encodedRows <= df.height + Math.max(2048, Math.ceil(df.height / 16)));
});

Deno.test("a single row is never split; the target must be positive", () => {
  const df = tradesFrame(1);
  const { files } = slices(df, 1);
  assert.equal(files.length, 1);
  assert.throws(() => slices(df, 0), RangeError);
});

Deno.test("estimateEncodedSize bounds the size of uncompressed Parquet", () => {
  const n = 20_000;
  const ids = Array.from({ length: n }, (_, i) => i);
  const df = pl.DataFrame({
    short: ids.map((i) => String(i)), // short, all distinct: PLAIN, 4-byte length prefixes
    long: ids.map((i) => `a-longer-string-value-${i}-${"x".repeat(i % 40)}`),
    f: ids.map((i) => Math.sin(i)),
    nulls: ids.map((i) => (i % 3 === 0 ? null : i * 0.5)),
    b: ids.map((i) => i % 2 === 0),
    list: ids.map((i) => [i, i + 1, i + 2]),
  }).withColumns(
    pl.Series("i", ids).cast(pl.Int64),
    pl.Series("d", ids.map((i) => 19_000 + (i % 400))).cast(pl.Date),
    pl.Series("ts", ids.map((i) => BigInt(i) * 1_000_003n)).cast(pl.Datetime("us", "UTC")),
    pl.col("short").cast(pl.Categorical).alias("cat"),
  );
  for (const frame of [df, df.slice(5_000, 10_000), ...df.columns.map((c) => df.select(c))]) {
    const plain = frame.writeParquet({ compression: "uncompressed" }).length;
    assert.ok(
      estimateEncodedSize(frame) >= plain,
      `[${frame.columns.join(",")}] x ${frame.height}: estimate ${
        estimateEncodedSize(frame)
      } < ${plain}`,
    );
  }
});
