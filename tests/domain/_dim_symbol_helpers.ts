/**
 * Builders shared by the dim_symbol tests: small frames from plain rows with exact Int64
 * values.
 *
 * @module
 */
import pl from "nodejs-polars";
import { DIM_SYMBOL_SCHEMA, OPEN_END_TS, TRACKED_COLUMNS } from "../../src/domain/dim_symbol.ts";
import { symbolIds } from "../../src/domain/symbol_id.ts";
import { polarsType } from "../../src/domain/table_schema.ts";

/** One dated update in a test: key, valid_from_ts, and any tracked columns. */
export interface UpdateRow {
  exchange_id: number;
  exchange_symbol: string;
  valid_from_ts: bigint;
  valid_until_ts?: bigint;
  [column: string]: unknown;
}

/** An Int64 series from bigints (nulls allowed), exact over the whole Int64 range. */
export function i64(name: string, values: readonly (bigint | null)[]): pl.Series {
  const data = BigInt64Array.from(values, (v) => v ?? 0n);
  const raw = pl.Series(name, data as unknown as number[]);
  if (!values.includes(null)) return raw;
  const mask = pl.Series("__null", values.map((v) => v === null));
  return pl.DataFrame({ [name]: raw, __null: mask })
    .select(pl.when(pl.col("__null")).then(pl.lit(null)).otherwise(pl.col(name)).alias(name))
    .getColumn(name);
}

/** Exact Int64 values of a column, as bigints (nulls as null). */
export function bigints(df: pl.DataFrame, column: string): (bigint | null)[] {
  const s = df.getColumn(column);
  const values = Array.from(s.cast(pl.Int64).fillNull("zero").toTypedArray() as BigInt64Array);
  const nulls = s.isNull().toArray() as boolean[];
  return values.map((v, i) => (nulls[i] ? null : v));
}

const _DEFAULTS: Record<string, unknown> = {
  exchange: "binance-futures",
  base_asset: "BTC",
  quote_asset: "USDT",
  asset_type: 1,
  tick_size: 0.1,
  lot_size: 0.001,
  price_increment: 0.1,
  amount_increment: 0.001,
  contract_size: 1,
  expiry_ts: null,
};

/** Updates frame: each row gets default tracked values unless given (use `null` for null). */
export function updatesFrame(rows: readonly UpdateRow[]): pl.DataFrame {
  const cols: Record<string, pl.Series> = {
    exchange_id: pl.Series("exchange_id", rows.map((r) => r.exchange_id), pl.Int16),
    exchange_symbol: pl.Series("exchange_symbol", rows.map((r) => r.exchange_symbol), pl.Utf8),
  };
  for (const name of TRACKED_COLUMNS) {
    const spec = DIM_SYMBOL_SCHEMA.columns.find((c) => c.name === name)!;
    const values = rows.map((r) => (name in r ? r[name] : _DEFAULTS[name]));
    cols[name] = spec.type === "int64"
      ? i64(name, values.map((v) => (v === null || v === undefined ? null : BigInt(v as number))))
      : pl.Series(name, values as unknown[], polarsType(spec.type));
  }
  cols.valid_from_ts = i64("valid_from_ts", rows.map((r) => r.valid_from_ts));
  if (rows.some((r) => r.valid_until_ts !== undefined)) {
    cols.valid_until_ts = i64("valid_until_ts", rows.map((r) => r.valid_until_ts ?? OPEN_END_TS));
  }
  return pl.DataFrame(cols);
}

/** A dim_symbol frame from versions (valid_until_ts defaults to the open end). */
export function dimFrame(rows: readonly UpdateRow[]): pl.DataFrame {
  const base = updatesFrame(
    rows.map((r) => ({ ...r, valid_until_ts: r.valid_until_ts ?? OPEN_END_TS })),
  );
  const withIds = base.withColumns(symbolIds(base));
  return withIds
    .withColumns(
      pl.col("valid_until_ts").eq(pl.lit(OPEN_END_TS).cast(pl.Int64)).alias("is_current"),
    )
    .select(...DIM_SYMBOL_SCHEMA.columns.map((c) => c.name));
}

/** Versions of a dim frame as compact, comparable rows sorted by key and valid_from_ts. */
export function versions(
  dim: pl.DataFrame,
  extra: readonly string[] = [],
): { key: string; from: bigint; until: bigint; current: boolean; [k: string]: unknown }[] {
  const sorted = dim.sort(["exchange_id", "exchange_symbol", "valid_from_ts"]);
  const from = bigints(sorted, "valid_from_ts");
  const until = bigints(sorted, "valid_until_ts");
  const ids = sorted.getColumn("exchange_id").toArray() as number[];
  const syms = sorted.getColumn("exchange_symbol").toArray() as string[];
  const current = sorted.getColumn("is_current").toArray() as boolean[];
  const extras = extra.map((c) => sorted.getColumn(c).toArray());
  return from.map((f, i) => {
    const row: {
      key: string;
      from: bigint;
      until: bigint;
      current: boolean;
      [k: string]: unknown;
    } = {
      key: `${ids[i]}|${syms[i]}`,
      from: f!,
      until: until[i]!,
      current: current[i],
    };
    extra.forEach((c, j) => (row[c] = extras[j][i]));
    return row;
  });
}
