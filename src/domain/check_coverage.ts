/**
 * Coverage of a time range by one key's `dim_symbol` versions.
 *
 * Before ingesting events of a symbol for a period, a pipeline can ask which parts of the
 * period no version covers: events there would be quarantined by `resolveSymbolIds`
 * ("no version covers ts"). Intervals are half-open `[from, until)` in µs, like versions.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { checkCoverage } from "./check_coverage.ts";
 * const dim = pl.DataFrame({
 *   exchange_id: pl.Series("exchange_id", [2, 2], pl.Int16),
 *   exchange_symbol: ["BTCUSDT", "BTCUSDT"],
 *   valid_from_ts: pl.Series("valid_from_ts", [100, 300], pl.Int64),
 *   valid_until_ts: pl.Series("valid_until_ts", [200, 400], pl.Int64),
 * });
 * const gaps = checkCoverage(dim, { exchangeId: 2, exchangeSymbol: "BTCUSDT" }, 0n, 500n);
 * const text = gaps.map((g) => `${g.fromTs}-${g.untilTs}`).join(",");
 * if (text !== "0-100,200-300,400-500") throw new Error(text);
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "../polars_types.ts";

/** The natural key of a `dim_symbol` version. */
export interface SymbolKey {
  /** Registry id of the exchange. */
  exchangeId: number;
  /** Vendor symbol. */
  exchangeSymbol: string;
}

/** A half-open interval `[fromTs, untilTs)` (µs) that no version covers. */
export interface CoverageGap {
  /** Start of the gap, inclusive. */
  fromTs: bigint;
  /** End of the gap, exclusive. */
  untilTs: bigint;
}

/**
 * The parts of `[start, end)` that no version of `key` covers.
 *
 * The signature follows issue 3 (`checkCoverage(dim, key, start, end)`).
 *
 * @param dim A `dim_symbol` frame (at least key and validity columns).
 * @param key The symbol to check.
 * @param start Start of the range, inclusive (µs).
 * @param end End of the range, exclusive (µs).
 * @returns Gaps in time order, merged and clipped to the range; empty when fully covered
 * (an unknown key gives one gap, the whole range).
 * @throws {RangeError} When `end < start`.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { checkCoverage } from "./check_coverage.ts";
 * const dim = pl.DataFrame({
 *   exchange_id: pl.Series("exchange_id", [1], pl.Int16),
 *   exchange_symbol: ["X"],
 *   valid_from_ts: pl.Series("valid_from_ts", [0], pl.Int64),
 *   valid_until_ts: pl.Series("valid_until_ts", [10], pl.Int64),
 * });
 * if (checkCoverage(dim, { exchangeId: 1, exchangeSymbol: "X" }, 0n, 10n).length !== 0) {
 *   throw new Error("fully covered");
 * }
 * ```
 */
export function checkCoverage(
  dim: DataFrame,
  key: SymbolKey,
  start: bigint,
  end: bigint,
): CoverageGap[] {
  if (end < start) {
    throw new RangeError(`Cannot check coverage: end ${end} is before start ${start}`);
  }
  if (end === start) return [];
  const versions = dim
    .filter(
      pl.col("exchange_id").cast(pl.Int32).eq(pl.lit(key.exchangeId))
        .and(pl.col("exchange_symbol").eq(pl.lit(key.exchangeSymbol))),
    )
    .select(pl.col("valid_from_ts").cast(pl.Int64), pl.col("valid_until_ts").cast(pl.Int64))
    .sort("valid_from_ts");
  const from = versions.getColumn("valid_from_ts").toTypedArray() as BigInt64Array;
  const until = versions.getColumn("valid_until_ts").toTypedArray() as BigInt64Array;
  const gaps: CoverageGap[] = [];
  let cursor = start; // everything before `cursor` is covered or already reported
  for (let i = 0; i < from.length && cursor < end; i++) {
    if (until[i] <= cursor) continue;
    if (from[i] > cursor) gaps.push({ fromTs: cursor, untilTs: from[i] < end ? from[i] : end });
    if (until[i] > cursor) cursor = until[i];
  }
  if (cursor < end) gaps.push({ fromTs: cursor, untilTs: end });
  return gaps;
}
