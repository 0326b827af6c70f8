/**
 * OHLCV bars from trades, in fixed intervals aligned to the Unix epoch (UTC).
 *
 * @module
 */
import pl from "nodejs-polars";
import { _checkArgument, _checkOptions } from "./_check_options.ts";
import type { DataFrame, Expr, LazyDataFrame } from "../polars_types.ts";
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
   * Time column: `Datetime` (what the loaders return) or Int64 microseconds.
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
  /**
   * Intervals without trades between a series' first and last bar: `"none"` leaves them out,
   * `"null"` adds them with null prices, `"forward"` adds them with `open`, `high`, `low` and
   * `close` equal to the previous close. Added bars have `volume` 0, `trade_count` 0 and a
   * null `vwap`.
   *
   * @default {"none"}
   */
  fill?: "none" | "null" | "forward";
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
 * OHLCV bars: one row per interval, with `bar_start_us` (Int64 microseconds, inclusive
 * start), `bar_time` (the same instant as `Datetime("us", "UTC")`), `open`, `high`, `low`,
 * `close`, `volume` (sum of sizes), `trade_count` and `vwap`. Open and close follow the time
 * order (ties keep `file_id`, `file_line_number` order when those columns exist).
 *
 * Intervals without trades are left out unless `fill` asks for them (`"null"` or
 * `"forward"`), between each series' first and last bar.
 *
 * A lazy input gives a lazy result, so bars over a long range can be collected with Polars'
 * streaming engine (`collect({ streaming: true })`) without holding every trade in memory.
 *
 * @param trades Trades with decoded prices and sizes, e.g. from `loadTrades` or `scanTrades`.
 * @param interval Bar length, e.g. `"1m"`, `"5s"`, `"1h"`.
 * @param options Column names, grouping, and filling of empty intervals.
 * @returns The bars sorted by group and time; a `DataFrame` when `trades` is one, else a
 * `LazyDataFrame`.
 * @throws {RangeError} When the interval cannot be parsed or a column is missing.
 * @throws {TypeError} When an option is unknown or of the wrong kind.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { bars } from "./bars.ts";
 * const trades = pl.DataFrame({
 *   ts_local_us: [0, 30_000_000, 121_000_000],
 *   px: [10, 12, 11],
 *   qty: [1, 2, 3],
 * });
 * const out = bars(trades, "1m");
 * if (String(out.getColumn("close").toArray()) !== "12,11") throw new Error("wrong closes");
 * const filled = bars(trades, "1m", { fill: "forward" });
 * if (String(filled.getColumn("close").toArray()) !== "12,12,11") throw new Error("no fill");
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
  trades: DataFrame | LazyDataFrame,
  interval = "1m",
  options: BarsOptions = {},
): DataFrame | LazyDataFrame {
  _checkArgument("bars", "interval", interval, ["string"]);
  _checkOptions("bars", options, {
    optional: {
      ts: ["string"],
      price: ["string"],
      qty: ["string"],
      by: ["string", "array", "null"],
      fill: ["string"],
    },
  });
  const fill = options.fill ?? "none";
  if (!["none", "null", "forward"].includes(fill)) {
    throw new TypeError(
      `Invalid option "fill" of bars: expected "none", "null" or "forward", got "${fill}"`,
    );
  }
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
  const micros = _microsExpr(ts, eager ? (trades as DataFrame) : lf);
  const order = [ts, ...["file_id", "file_line_number"].filter((c) => columns.includes(c))];
  let out = lf
    .sort(order)
    .withColumns(micros.alias("__bar_us"))
    .withColumns(
      pl.col("__bar_us").sub(pl.col("__bar_us").modulo(pl.lit(every).cast(pl.Int64)))
        .cast(pl.Int64)
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
    );
  if (fill !== "none") out = _fill(out, by, every, fill);
  out = out
    .sort([...by, "bar_start_us"])
    .withColumns(pl.col("bar_start_us").cast(pl.Datetime("us", "UTC")).alias("bar_time"))
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

/** Int64 microseconds of a time column: Int64 as is, a Datetime by its unit. */
function _microsExpr(ts: string, frame: DataFrame | LazyDataFrame): Expr {
  const head = "collectSync" in frame ? frame.select(ts).limit(0).collectSync() : frame;
  const dtype = String(head.getColumn(ts).dtype);
  const col = pl.col(ts);
  if (!dtype.includes("Datetime")) return col.cast(pl.Int64);
  if (dtype.includes("(us")) return col.cast(pl.Int64);
  const zone = /Datetime\(\w+,\s*([^)]+)\)/.exec(dtype)?.[1];
  return col.cast(zone ? pl.Datetime("us", zone) : pl.Datetime("us")).cast(pl.Int64);
}

/** Add the empty intervals between each series' first and last bar (see `fill`). */
function _fill(
  out: LazyDataFrame,
  by: string[],
  every: number,
  fill: "null" | "forward",
): LazyDataFrame {
  const range = pl.intRange(
    pl.col("bar_start_us").min(),
    pl.col("bar_start_us").max().add(pl.lit(1)),
    every,
  ).alias("bar_start_us");
  const grid = by.length > 0
    ? out.groupBy(by).agg(range).explode("bar_start_us")
    : out.select(range);
  let filled = grid
    .withColumns(pl.col("bar_start_us").cast(pl.Int64))
    .join(out, { on: [...by, "bar_start_us"] as string[], how: "left" })
    .sort([...by, "bar_start_us"])
    .withColumns(pl.col("volume").fillNull(0), pl.col("trade_count").fillNull(0));
  if (fill === "forward") {
    const close = pl.col("close").forwardFill();
    const last = by.length > 0 ? close.over(by[0], ...by.slice(1)) : close;
    filled = filled.withColumns(last.alias("__close")).withColumns(
      ...["open", "high", "low", "close"].map((c) => pl.col(c).fillNull(pl.col("__close"))),
    );
  }
  return filled;
}
