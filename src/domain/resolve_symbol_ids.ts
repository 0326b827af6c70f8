/**
 * Point-in-time symbol resolution: attach to each event the `dim_symbol` version that was
 * valid when it happened.
 *
 * An event at time `t` on key `(exchange_id, exchange_symbol)` belongs to the version with
 * `valid_from_ts <= t < valid_until_ts`. This is an as-of join (backward, by key) **plus** a
 * check of `valid_until_ts`: a plain as-of join would wrongly give an event after a delisting
 * (or in any gap) the last version before it. Events with no such version are never guessed;
 * they come back in `unresolved` with a `reason`:
 * - `"unknown symbol"`: the key has no version at all in the dimension;
 * - `"no version covers ts"`: the key exists, but no version covers `t` (before the first
 *   version, in a gap, or after a delisting);
 * - `"null timestamp"`: the event has no timestamp.
 *
 * Row order of the outputs is not guaranteed. The dimension is assumed valid (versions of a
 * key do not overlap; see `validateDimSymbol`).
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { resolveSymbolIds } from "./resolve_symbol_ids.ts";
 * const i64 = (name: string, v: number[]) => pl.Series(name, v, pl.Int64);
 * const dim = pl.DataFrame({
 *   symbol_id: i64("symbol_id", [7]),
 *   exchange_id: pl.Series("exchange_id", [2], pl.Int16),
 *   exchange_symbol: ["BTCUSDT"],
 *   valid_from_ts: i64("valid_from_ts", [100]),
 *   valid_until_ts: i64("valid_until_ts", [200]),
 *   price_increment: [0.1],
 *   amount_increment: [0.001],
 * });
 * const events = pl.DataFrame({
 *   ts_local_us: i64("ts_local_us", [99, 100, 199, 200]),
 *   exchange_id: pl.Series("exchange_id", [2, 2, 2, 2], pl.Int16),
 *   exchange_symbol: ["BTCUSDT", "BTCUSDT", "BTCUSDT", "BTCUSDT"],
 * });
 * const { resolved, unresolved } = resolveSymbolIds(events, dim);
 * if (resolved.height !== 2 || unresolved.height !== 2) throw new Error("boundaries wrong");
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "../polars_types.ts";

/** Options of {@linkcode resolveSymbolIds}. */
export interface ResolveSymbolIdsOptions {
  /** Event time column (Int64 µs) used for the point-in-time lookup. @default {"ts_local_us"} */
  tsColumn?: string;
  /** Events' exchange id column. @default {"exchange_id"} */
  exchangeIdColumn?: string;
  /** Events' exchange symbol column. @default {"exchange_symbol"} */
  symbolColumn?: string;
  /** `dim_symbol` columns to attach besides `symbol_id`. @default {["price_increment", "amount_increment"]} */
  attach?: readonly string[];
}

/** Output of {@linkcode resolveSymbolIds}. */
export interface ResolvedSymbols {
  /** Events with a covering version: input columns, `symbol_id` and the `attach` columns. */
  resolved: DataFrame;
  /** Events without one: input columns and `reason` (Utf8). */
  unresolved: DataFrame;
}

/**
 * Reasons of unresolved events.
 *
 * @example
 * ```ts
 * import { UNRESOLVED_REASONS } from "./resolve_symbol_ids.ts";
 * if (UNRESOLVED_REASONS.noVersion !== "no version covers ts") throw new Error("reason");
 * ```
 */
export const UNRESOLVED_REASONS: Readonly<{
  unknownSymbol: "unknown symbol";
  noVersion: "no version covers ts";
  nullTimestamp: "null timestamp";
}> = Object.freeze(
  {
    unknownSymbol: "unknown symbol",
    noVersion: "no version covers ts",
    nullTimestamp: "null timestamp",
  } as const,
);

const _FROM = "__dim_valid_from_ts";
const _UNTIL = "__dim_valid_until_ts";
const _KNOWN = "__dim_key_known";

/**
 * Resolve each event's `symbol_id` (and attached columns) point in time.
 *
 * @param events Events with a time column and the key columns.
 * @param dim A valid `dim_symbol` frame (at least the key, validity, `symbol_id` and `attach`
 * columns).
 * @param options Column names and attached columns.
 * @returns `{ resolved, unresolved }`; every input row lands in exactly one of them.
 * @throws {TypeError} When a needed column is missing, or when the events already have a
 * column that resolution would add.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { resolveSymbolIds } from "./resolve_symbol_ids.ts";
 * const i64 = (name: string, v: number[]) => pl.Series(name, v, pl.Int64);
 * const dim = pl.DataFrame({
 *   symbol_id: i64("symbol_id", [1, 2]),
 *   exchange_id: pl.Series("exchange_id", [1, 1], pl.Int16),
 *   exchange_symbol: ["X", "X"],
 *   valid_from_ts: i64("valid_from_ts", [0, 10]),
 *   valid_until_ts: i64("valid_until_ts", [10, 2 ** 53]),
 * });
 * const events = pl.DataFrame({
 *   t: i64("t", [9, 10]),
 *   exchange_id: pl.Series("exchange_id", [1, 1], pl.Int16),
 *   exchange_symbol: ["X", "Y"],
 * });
 * const { resolved, unresolved } = resolveSymbolIds(events, dim, { tsColumn: "t", attach: [] });
 * if (resolved.getColumn("symbol_id").toArray()[0] !== 1) throw new Error("wrong version");
 * if (unresolved.getColumn("reason").toArray()[0] !== "unknown symbol") throw new Error("reason");
 * ```
 */
export function resolveSymbolIds(
  events: DataFrame,
  dim: DataFrame,
  options: ResolveSymbolIdsOptions = {},
): ResolvedSymbols {
  const {
    tsColumn = "ts_local_us",
    exchangeIdColumn = "exchange_id",
    symbolColumn = "exchange_symbol",
    attach = ["price_increment", "amount_increment"],
  } = options;
  for (const name of [tsColumn, exchangeIdColumn, symbolColumn]) {
    if (!events.columns.includes(name)) {
      throw new TypeError(`Cannot resolve symbol ids: events have no column "${name}"`);
    }
  }
  const dimNeeded = ["exchange_id", "exchange_symbol", "valid_from_ts", "valid_until_ts"];
  for (const name of [...dimNeeded, "symbol_id", ...attach]) {
    if (!dim.columns.includes(name)) {
      throw new TypeError(`Cannot resolve symbol ids: dim_symbol has no column "${name}"`);
    }
  }
  for (const name of ["symbol_id", "reason", ...attach]) {
    if (events.columns.includes(name)) {
      throw new TypeError(
        `Cannot resolve symbol ids: events already have a column "${name}"; drop or rename it`,
      );
    }
  }

  const exchangeIdType = events.getColumn(exchangeIdColumn).dtype;
  const right = dim
    .select(
      pl.col("exchange_id").cast(exchangeIdType).alias(exchangeIdColumn),
      pl.col("exchange_symbol").cast(pl.Utf8).alias(symbolColumn),
      pl.col("valid_from_ts").cast(pl.Int64).alias(_FROM),
      pl.col("valid_until_ts").cast(pl.Int64).alias(_UNTIL),
      pl.col("symbol_id"),
      ...attach.map((name) => pl.col(name)),
    )
    .sort(_FROM);

  let left = events;
  let nullTs: pl.DataFrame | undefined;
  if (events.getColumn(tsColumn).nullCount() > 0) {
    nullTs = events.filter(pl.col(tsColumn).isNull());
    left = events.filter(pl.col(tsColumn).isNotNull());
  }
  // An as-of join needs the time sorted; checking is ~100x cheaper than sorting sorted data.
  if (!_isSorted(left, tsColumn)) left = left.sort(tsColumn);

  const joined = left.joinAsof(right, {
    leftOn: tsColumn,
    rightOn: _FROM,
    by: [exchangeIdColumn, symbolColumn],
    strategy: "backward",
    checkSortedness: false, // sorted above; Polars cannot check it with `by` groups anyway
  });
  const covered = pl.col(_UNTIL).isNotNull().and(pl.col(tsColumn).lt(pl.col(_UNTIL)));
  const coveredCount = Number(joined.select(covered.sum().alias("n")).getColumn("n").toArray()[0]);

  let resolved: pl.DataFrame;
  let missed: pl.DataFrame;
  if (coveredCount === joined.height) {
    resolved = joined.drop([_FROM, _UNTIL]);
    missed = events.head(0);
  } else {
    resolved = joined.filter(covered).drop([_FROM, _UNTIL]);
    missed = joined.filter(covered.not()).select(...events.columns);
  }

  const reasonType = pl.Utf8;
  let unresolved: pl.DataFrame;
  if (missed.height === 0) {
    unresolved = missed.withColumns(pl.lit(null).cast(reasonType).alias("reason"));
  } else {
    const knownKeys = right
      .select(exchangeIdColumn, symbolColumn)
      .unique()
      .withColumns(pl.lit(true).alias(_KNOWN));
    unresolved = missed
      .join(knownKeys, { on: [exchangeIdColumn, symbolColumn], how: "left" })
      .withColumns(
        pl.when(pl.col(_KNOWN).isNotNull())
          .then(pl.lit(UNRESOLVED_REASONS.noVersion))
          .otherwise(pl.lit(UNRESOLVED_REASONS.unknownSymbol))
          .cast(reasonType)
          .alias("reason"),
      )
      .drop(_KNOWN);
  }
  if (nullTs && nullTs.height > 0) {
    unresolved = pl.concat([
      unresolved,
      nullTs.withColumns(pl.lit(UNRESOLVED_REASONS.nullTimestamp).cast(reasonType).alias("reason")),
    ]);
  }
  return { resolved, unresolved };
}

/** Whether a non-null Int64 column is sorted ascending. */
function _isSorted(df: pl.DataFrame, column: string): boolean {
  if (df.height < 2) return true;
  const check = df.select(
    pl.col(column).ltEq(pl.col(column).shift(-1)).fillNull(true).all().alias("ok"),
  );
  return check.getColumn("ok").toArray()[0] === true;
}
