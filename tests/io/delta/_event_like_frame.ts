/**
 * Test rows of every column type the event tables use (Int64, Int32, Utf8, Categorical,
 * Boolean, Datetime, List of Int64), for the Parquet append and grown-file tests.
 *
 * @module
 */
import pl from "nodejs-polars";

/** Rows of every column type the event tables use, starting at `from`. */
export function eventLikeFrame(from: number, n: number): pl.DataFrame {
  const at = Array.from({ length: n }, (_, i) => from + i);
  return pl.DataFrame([
    // (a BigInt array becomes UInt64, and an explicit Int64 dtype reads it as nulls: cast)
    pl.Series("symbol_id", at.map((v) => BigInt(v) * 7919n + 3n)).cast(pl.Int64),
    pl.Series("ts_local_us", at.map((v) => 1_700_000_000_000_000n + BigInt(v) * 1_000n))
      .cast(pl.Int64),
    pl.Series("price", at.map((v) => v - 1000), pl.Int32),
    pl.Series("side", at.map((v) => (v % 5 === 0 ? null : ["buy", "sell"][v % 2])), pl.Utf8),
    pl.Series("is_snapshot", at.map((v) => (v % 11 === 0 ? null : v % 2 === 0)), pl.Bool),
    pl.Series(
      "levels",
      at.map((v) => Array.from({ length: v % 4 }, (_, k) => v + k)),
      pl.List(pl.Int64),
    ),
  ]).withColumns(
    pl.col("side").cast(pl.Categorical).alias("side_cat"),
    pl.col("ts_local_us").cast(pl.Datetime("us", "UTC")).alias("ts"),
  );
}
