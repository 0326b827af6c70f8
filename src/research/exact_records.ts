/**
 * Rows of a DataFrame as JavaScript objects with every 64-bit value exact.
 *
 * The rule: `toRecords()` and `toArray()` turn Int64 values into JavaScript numbers (rounded
 * beyond 2^53, so most `symbol_id`s change) and Datetime values into `Date`s (milliseconds:
 * the microseconds are lost), and `Series.get()` on Int64 returns only the low 32 bits.
 * {@linkcode exactRecords} returns Int64 and UInt64 values as `bigint`, and Datetime values
 * as `bigint` microseconds since the epoch (the value the lake stores, which the loaders'
 * `start` / `end` accept back). For one column, use `int64Values(series)`.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame, Series } from "../polars_types.ts";
import { int64Values } from "../domain/int64.ts";
import { _checkOptions } from "./_check_options.ts";

/** Options of {@linkcode exactRecords}. */
export interface ExactRecordsOptions {
  /**
   * Return at most this many rows (the first ones).
   *
   * @default {undefined} every row
   */
  limit?: number;
}

/** Whether a column's values must come out as bigint, and how to read them. */
function _exactColumn(series: Series): (bigint | null)[] | undefined {
  const variant = String(series.dtype.variant);
  if (variant === "Int64" || variant === "UInt64") return int64Values(series);
  if (variant === "Datetime") {
    const text = String(series.dtype);
    const micros = text.includes("(us")
      ? series
      : series.cast(pl.Datetime("us", /Datetime\(\w+,\s*([^)]+)\)/.exec(text)?.[1]));
    return int64Values(micros);
  }
  return undefined;
}

/**
 * The rows as objects, with Int64 / UInt64 values as `bigint` and Datetime values as
 * `bigint` microseconds since the Unix epoch; other columns as `toRecords()` gives them.
 *
 * @param df The frame (e.g. from `loadTrades`).
 * @param options Row limit.
 * @returns One object per row.
 * @throws {TypeError} When an option is unknown or of the wrong kind.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { int64Series } from "../domain/int64.ts";
 * import { exactRecords } from "./exact_records.ts";
 * const df = pl.DataFrame({
 *   symbol_id: int64Series("symbol_id", [-3012303369023998542n]),
 *   ts_local_us: int64Series("ts_local_us", [1722427200123456n]).cast(pl.Datetime("us", "UTC")),
 *   px: [64000.5],
 * });
 * const [row] = exactRecords(df);
 * if (row.symbol_id !== -3012303369023998542n) throw new Error("exact id");
 * if (row.ts_local_us !== 1722427200123456n) throw new Error("exact microseconds");
 * if (row.px !== 64000.5) throw new Error("other columns as they are");
 * ```
 */
export function exactRecords(
  df: DataFrame,
  options: ExactRecordsOptions = {},
): Record<string, unknown>[] {
  _checkOptions("exactRecords", options, { optional: { limit: ["number"] } });
  const head = options.limit === undefined ? df : df.head(options.limit);
  const records = head.toRecords() as Record<string, unknown>[];
  for (const name of head.columns) {
    const exact = _exactColumn(head.getColumn(name));
    if (exact === undefined) continue;
    exact.forEach((v, i) => (records[i][name] = v));
  }
  return records;
}
