/**
 * The 2M-row trades-like frame the write and S3 benches share: `symbol_id`, `ts_local_us`
 * (one row every 0.216 s from 2024-01-01, five days for 2M rows), `px_int`, `qty_int` as Int64
 * and `side` as Int8, all deterministic.
 *
 * @module
 */
import pl from "nodejs-polars";

/** `ts_local_us` of the first row: 2024-01-01T00:00:00Z. */
export const FIRST_TS_US = 1_704_067_200_000_000;
/** Microseconds between two rows. */
export const STEP_US = 216_000;

/**
 * `n` trades-like rows.
 *
 * @param n Rows.
 * @param extra More columns of the same row index `i`, placed first (for example `exchange`).
 * @returns The frame: `extra` columns, then `symbol_id`, `ts_local_us`, `px_int`, `qty_int`,
 *   `side`.
 * @example
 * ```ts
 * import { benchTradesFrame } from "./_trades_frame.ts";
 * const df = benchTradesFrame(3, { tag: (i) => `t${i}` });
 * if (df.columns.join() !== "tag,symbol_id,ts_local_us,px_int,qty_int,side") throw new Error("cols");
 * ```
 */
export function benchTradesFrame(
  n: number,
  extra: Record<string, (i: number) => string | number> = {},
): pl.DataFrame {
  const idx = Array.from({ length: n }, (_, i) => i);
  const columns: Record<string, (string | number)[]> = {};
  for (const [name, f] of Object.entries(extra)) columns[name] = idx.map(f);
  return pl.DataFrame({
    ...columns,
    symbol_id: idx.map((i) => (i * 7919) % 500),
    ts_local_us: idx.map((i) => FIRST_TS_US + i * STEP_US),
    px_int: idx.map((i) => 4_200_000 + ((i * 31) % 10_000)),
    qty_int: idx.map((i) => 1 + ((i * 17) % 1000)),
    side: idx.map((i) => i % 2),
  }).withColumns(
    pl.col("symbol_id").cast(pl.Int64),
    pl.col("ts_local_us").cast(pl.Int64),
    pl.col("px_int").cast(pl.Int64),
    pl.col("qty_int").cast(pl.Int64),
    pl.col("side").cast(pl.Int8),
  );
}
