/**
 * OHLCV bars from trades, in fixed intervals aligned to the Unix epoch (UTC).
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame, LazyDataFrame } from "../polars_types.ts";
import { _instrumentKey } from "./_instrument_key.ts";

/** Microseconds per interval unit. */
const _UNIT_US: Record<string, number> = {
  us: 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
  d: 86_400_000_000,
};

/** Options of {@linkcode bars}. */
export interface BarsOptions {
  /**
   * Time column (microseconds).
   *
   * @default {"ts_local_us"}
   */
  ts?: string;
  /**
   * Price column (decoded).
   *
   * @default {"px"}
   */
  price?: string;
  /**
   * Size column (decoded).
   *
   * @default {"qty"}
   */
  qty?: string;
  /**
   * Build separate bars per value of these columns (null or `[]` for one series).
   *
   * @default {["exchange_id", "exchange_symbol"]} when the trades have them (one instrument
   * across tick-size changes), else `"symbol_id"` when present, else none
   */
  by?: string | string[] | null;
}

/**
 * The length of an interval such as `"1m"` in microseconds.
 *
 * @param interval A positive whole number and a unit: `us`, `ms`, `s`, `m`, `h`, `d`.
 * @returns Microseconds.
 * @throws {RangeError} When the text is not an interval.
 * @example
 * ```ts
 * import { intervalMicros } from "./bars.ts";
 * if (intervalMicros("5m") !== 300_000_000) throw new Error("5 minutes");
 * ```
 */
export function intervalMicros(interval: string): number {
  const match = /^\s*(\d+)\s*(us|ms|s|m|h|d)\s*$/.exec(interval);
  if (!match || Number(match[1]) <= 0) {
    throw new RangeError(
      `Cannot parse interval "${interval}": expected a count and a unit, e.g. "1m", "15s", "1h"`,
    );
  }
  return Number(match[1]) * _UNIT_US[match[2]];
}

/**
 * OHLCV bars: one row per interval that has trades (empty intervals are not filled), with
 * `bar_start_us` (Int64, inclusive start), `bar_time` (Datetime µs), `open`, `high`, `low`,
 * `close`, `volume` (sum of sizes), `trade_count` and `vwap`. Open and close follow the
 * time order (ties keep `file_id`, `file_line_number` order when those columns exist).
 *
 * @param trades Trades with decoded prices and sizes, e.g. from `loadTrades`.
 * @param interval Bar length, e.g. `"1m"`, `"5s"`, `"1h"`.
 * @param options Column names and grouping.
 * @returns The bars sorted by group and time; a `DataFrame` when `trades` is one, else a
 * `LazyDataFrame`.
 * @throws {RangeError} When the interval cannot be parsed or a column is missing.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { bars } from "./bars.ts";
 * const trades = pl.DataFrame({
 *   ts_local_us: [0, 30_000_000, 61_000_000],
 *   px: [10, 12, 11],
 *   qty: [1, 2, 3],
 * });
 * const out = bars(trades, "1m");
 * if (String(out.getColumn("close").toArray()) !== "12,11") throw new Error("wrong closes");
 * ```
 */
export function bars(
  trades: DataFrame,
  interval?: string,
  options?: BarsOptions,
): DataFrame;
/** {@linkcode bars} of a lazy frame of trades: the result is lazy too. */
export function bars(
  trades: LazyDataFrame,
  interval?: string,
  options?: BarsOptions,
): LazyDataFrame;
export function bars(
  trades: pl.DataFrame | pl.LazyDataFrame,
  interval = "1m",
  options: BarsOptions = {},
): pl.DataFrame | pl.LazyDataFrame {
  const every = intervalMicros(interval);
  const ts = options.ts ?? "ts_local_us";
  const price = options.price ?? "px";
  const qty = options.qty ?? "qty";
  const eager = !("collectSync" in trades);
  const lf = "collectSync" in trades ? trades : trades.lazy();
  const columns = lf.columns;
  const by = options.by === undefined
    ? _instrumentKey(columns)
    : options.by === null
    ? []
    : Array.isArray(options.by)
    ? options.by
    : [options.by];
  for (const c of [ts, price, qty, ...by]) {
    if (!columns.includes(c)) {
      const hint = c === "px" && columns.includes("px_int")
        ? ": load the trades with decode (the default) to get px and qty"
        : "";
      throw new RangeError(`Cannot build bars: column "${c}" is missing${hint}`);
    }
  }
  const order = [ts, ...["file_id", "file_line_number"].filter((c) => columns.includes(c))];
  const out = lf
    .sort(order)
    .withColumns(
      pl.col(ts).sub(pl.col(ts).modulo(pl.lit(every).cast(pl.Int64))).cast(pl.Int64)
        .alias("bar_start_us"),
    )
    .groupBy([...by, "bar_start_us"])
    .agg(
      pl.col(price).first().alias("open"),
      pl.col(price).max().alias("high"),
      pl.col(price).min().alias("low"),
      pl.col(price).last().alias("close"),
      pl.col(qty).sum().alias("volume"),
      pl.col(price).count().cast(pl.Int64).alias("trade_count"),
      pl.col(price).mul(pl.col(qty)).sum().div(pl.col(qty).sum()).alias("vwap"),
    )
    .sort([...by, "bar_start_us"])
    .withColumns(pl.col("bar_start_us").cast(pl.Datetime("us")).alias("bar_time"))
    .select(
      ...by,
      "bar_start_us",
      "bar_time",
      "open",
      "high",
      "low",
      "close",
      "volume",
      "trade_count",
      "vwap",
    );
  return eager ? out.collectSync() : out;
}
