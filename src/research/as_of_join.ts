/**
 * Attach to each trade the quote that prevailed when it happened.
 *
 * @module
 */
import pl from "nodejs-polars";
import { _checkOptions } from "./_check_options.ts";
import type { DataFrame, DataType, LazyDataFrame } from "../polars_types.ts";
import { _instrumentKey } from "./_instrument_key.ts";

/** Options of {@linkcode asOfJoin}. */
export interface AsOfJoinOptions {
  /**
   * The time column of both frames: `Datetime` (what the loaders return) or Int64
   * microseconds. When the two frames hold it with different types, the quotes' column is
   * cast to the trades' type.
   *
   * @default {"ts_local_us"}
   */
  on?: string;
  /**
   * Match only rows with equal values here (null or `[]` to match across symbols).
   *
   * @default {["exchange_id", "exchange_symbol"]} when both frames have them (the loaders
   * add them; they stay the same across a tick-size change), else `"symbol_id"`
   */
  by?: string | string[] | null;
  /**
   * Columns taken from the quotes. The quote's own time is always added as `quote_<on>`.
   *
   * @default {undefined} every quote column the trades do not have
   */
  columns?: string[];
  /**
   * Also accept a quote with exactly the trade's time. With `false` the quote must be
   * strictly earlier.
   *
   * @default {true}
   */
  allowExactMatches?: boolean;
  /**
   * Ignore quotes older than this: a number in the stored unit of `on` (microseconds for the
   * loaders' time columns, Datetime or Int64), or a duration such as `"500ms"` or `"1s"`
   * for a Datetime column.
   *
   * @default {undefined} no limit
   */
  tolerance?: number | string;
}

/**
 * As-of join: for each trade, the latest quote of the same instrument at or before the
 * trade's time (a backward search on `ts_local_us` by default). Trades before the first quote get
 * nulls. Every trade is kept, in time order; both inputs are sorted by time first.
 *
 * @param trades Left side, e.g. from `loadTrades`.
 * @param quotes Right side, e.g. from `loadQuotes`.
 * @param options Time column, grouping, quote columns, exact-match rule, tolerance.
 * @returns The trades with the quote columns and `quote_<on>` added; a `DataFrame` when
 * `trades` is one, else a `LazyDataFrame`.
 * @throws {RangeError} When a join column is missing from either side.
 * @throws {TypeError} When an option is unknown or of the wrong kind.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { asOfJoin } from "./as_of_join.ts";
 * const trades = pl.DataFrame({ symbol_id: [1, 1], ts_local_us: [10, 20], px: [100, 101] });
 * const quotes = pl.DataFrame({ symbol_id: [1, 1], ts_local_us: [5, 15], bid_px: [99, 100] });
 * const out = asOfJoin(trades, quotes);
 * if (String(out.getColumn("bid_px").toArray()) !== "99,100") throw new Error("wrong quote");
 * const lazy = asOfJoin(trades.lazy(), quotes.lazy(), { tolerance: 4 }).collectSync();
 * if (lazy.getColumn("bid_px").nullCount() !== 2) throw new Error("quotes 5 µs old are too old");
 * ```
 */
export function asOfJoin(
  trades: DataFrame,
  quotes: DataFrame | LazyDataFrame,
  options?: AsOfJoinOptions,
): DataFrame;
/** {@linkcode asOfJoin} on a lazy frame of trades: the result is lazy too. */
export function asOfJoin(
  trades: LazyDataFrame,
  quotes: DataFrame | LazyDataFrame,
  options?: AsOfJoinOptions,
): LazyDataFrame;
export function asOfJoin(
  trades: DataFrame | LazyDataFrame,
  quotes: DataFrame | LazyDataFrame,
  options: AsOfJoinOptions = {},
): DataFrame | LazyDataFrame {
  _checkOptions("asOfJoin", options, {
    optional: {
      on: ["string"],
      by: ["string", "array", "null"],
      columns: ["array"],
      allowExactMatches: ["boolean"],
      tolerance: ["number", "string"],
    },
  });
  const on = options.on ?? "ts_local_us";
  const by = options.by === undefined
    ? _instrumentKey(trades.columns, quotes.columns)
    : options.by === null
    ? []
    : Array.isArray(options.by)
    ? options.by
    : [options.by];
  const eager = !("collectSync" in trades);
  const left = "collectSync" in trades ? trades : trades.lazy();
  const right = "collectSync" in quotes ? quotes : quotes.lazy();
  const leftColumns = left.columns;
  const rightColumns = right.columns;
  for (const c of [on, ...by]) {
    if (!leftColumns.includes(c) || !rightColumns.includes(c)) {
      throw new RangeError(`Cannot as-of join on "${c}": both frames need this column`);
    }
  }
  const quoteTime = `quote_${on}`;
  const taken = options.columns ??
    rightColumns.filter((c) => !leftColumns.includes(c) && c !== quoteTime);
  const missing = taken.filter((c) => !rightColumns.includes(c));
  if (missing.length > 0) {
    throw new RangeError(`Quote column(s) ${missing.map((c) => `"${c}"`).join(", ")} not found`);
  }
  const leftType = _dtypeOf(left, on);
  const rightSide = right
    .select(...new Set([on, ...by, ...taken]))
    .withColumns(
      ...(leftType.equals(_dtypeOf(right, on)) ? [] : [pl.col(on).cast(leftType)]),
    )
    .withColumns(pl.col(on).alias(quoteTime))
    .sort(on);
  const joined = left.sort(on).joinAsof(rightSide, {
    on,
    ...(by.length > 0 ? { by } : {}),
    strategy: "backward",
    allowExactMatches: options.allowExactMatches ?? true,
    ...(options.tolerance !== undefined ? { tolerance: options.tolerance } : {}),
    suffix: "_quote",
    checkSortedness: false,
  });
  return eager ? joined.collectSync() : joined;
}

/** The type of one column of a lazy frame (reads no rows). */
function _dtypeOf(frame: LazyDataFrame, column: string): DataType {
  return frame.select(column).limit(0).collectSync().getColumn(column).dtype;
}
