/**
 * The small trades-like frame the Delta writer tests share.
 *
 * @module
 */
import pl from "nodejs-polars";

/**
 * `n` rows with ids from `offset`: `exchange` alternating binance/okx, `px = id * 1.5`, an Int64
 * `id` and a `day` Date cycling over three days.
 *
 * @example
 * ```ts
 * const df = tradesFrame(4, 10);
 * console.assert(df.height === 4 && df.getColumn("id").toArray()[0] === 10);
 * ```
 */
export function tradesFrame(n: number, offset = 0): pl.DataFrame {
  const ids = Array.from({ length: n }, (_, i) => BigInt(i + offset));
  return pl.DataFrame({
    exchange: ids.map((i) => (i % 2n === 0n ? "binance" : "okx")),
    px: ids.map((i) => Number(i) * 1.5),
  }).withColumns(
    pl.Series("id", ids).cast(pl.Int64),
    pl.Series("day", ids.map((i) => 19700 + Number(i % 3n))).cast(pl.Date),
  );
}
