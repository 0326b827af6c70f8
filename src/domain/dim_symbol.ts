/**
 * The `dim_symbol` table: a point-in-time (SCD Type 2) dimension of exchange instruments.
 *
 * One row is one *version* of an instrument, valid over the half-open interval
 * `[valid_from_ts, valid_until_ts)` in Int64 microseconds since the Unix epoch (UTC).
 * The natural key is `(exchange_id, exchange_symbol)`; the open end of the current version is
 * {@linkcode OPEN_END_TS} (the Int64 maximum). `symbol_id` is a deterministic 64-bit hash of
 * `exchange_id|exchange_symbol|valid_from_ts` (see `symbol_id.ts`), so rebuilding the table
 * from the same history gives the same ids.
 *
 * Rules, each implemented in its own module:
 * - `scd2_upsert.ts`: apply dated updates (new keys, changes, late data, delistings).
 * - `rebuild_from_history.ts`: the whole table from dated versions, independent of order.
 * - `tardis_instruments.ts`: Tardis `/v1/instruments` answers to dated versions.
 * - `resolve_symbol_ids.ts`: attach the version valid at each event's time.
 * - here, {@linkcode validateDimSymbol}: check every invariant; `check_coverage.ts`: find gaps.
 *
 * @example
 * ```ts
 * import { DIM_SYMBOL_SCHEMA, OPEN_END_TS, TRACKED_COLUMNS } from "./dim_symbol.ts";
 * if (OPEN_END_TS !== 9223372036854775807n) throw new Error("open end is the Int64 maximum");
 * if (!TRACKED_COLUMNS.includes("tick_size")) throw new Error("tick_size is tracked");
 * if (DIM_SYMBOL_SCHEMA.partitionBy.length !== 0) throw new Error("unpartitioned");
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import { int64Lit } from "./int64.ts";
import type { DataFrame } from "../polars_types.ts";
import { symbolIds } from "./symbol_id.ts";
import { type ColumnSpec, conformToSchema, type TableSchema } from "./table_schema.ts";

/**
 * The open end of a current version: `2^63 - 1`, the Int64 maximum (exclusive bound).
 *
 * In Polars expressions use `int64Lit(OPEN_END_TS)` (from `int64.ts`): a bare bigint literal
 * is UInt64.
 *
 * @example
 * ```ts
 * import { OPEN_END_TS } from "./dim_symbol.ts";
 * if (OPEN_END_TS !== BigInt.asIntN(64, 2n ** 63n - 1n)) throw new Error("not Int64 max");
 * ```
 */
export const OPEN_END_TS: bigint = 2n ** 63n - 1n;

/**
 * Instrument types and their `asset_type` (Int8) codes, as named by Tardis `/v1/instruments`.
 *
 * @example
 * ```ts
 * import { ASSET_TYPES } from "./dim_symbol.ts";
 * if (ASSET_TYPES.option !== 3) throw new Error("option is 3");
 * ```
 */
export const ASSET_TYPES: Readonly<
  Record<"spot" | "perpetual" | "future" | "option" | "combo", number>
> = Object.freeze({ spot: 0, perpetual: 1, future: 2, option: 3, combo: 4 });

/** A name of {@linkcode ASSET_TYPES}. */
export type AssetType = keyof typeof ASSET_TYPES;

/**
 * The natural key of a `dim_symbol` version: `(exchange_id, exchange_symbol)`.
 *
 * @example
 * ```ts
 * import { KEY_COLUMNS } from "./dim_symbol.ts";
 * if (KEY_COLUMNS.join() !== "exchange_id,exchange_symbol") throw new Error("key");
 * ```
 */
export const KEY_COLUMNS: readonly ["exchange_id", "exchange_symbol"] = Object.freeze(
  ["exchange_id", "exchange_symbol"] as const,
);

/**
 * The descriptive columns whose change (null-safe: null to a value is a change) opens a new
 * version.
 *
 * @example
 * ```ts
 * import { TRACKED_COLUMNS } from "./dim_symbol.ts";
 * if (TRACKED_COLUMNS.includes("symbol_id")) throw new Error("ids are derived, not tracked");
 * ```
 */
export const TRACKED_COLUMNS: readonly string[] = Object.freeze([
  "exchange",
  "base_asset",
  "quote_asset",
  "asset_type",
  "tick_size",
  "lot_size",
  "price_increment",
  "amount_increment",
  "contract_size",
  "expiry_ts",
]);

const _COLUMNS: readonly ColumnSpec[] = Object.freeze([
  {
    name: "symbol_id",
    type: "int64",
    nullable: false,
    doc: "Deterministic 64-bit hash of exchange_id|exchange_symbol|valid_from_ts",
  },
  { name: "exchange_id", type: "int16", nullable: false, doc: "Registry id of the exchange" },
  { name: "exchange", type: "utf8", nullable: false, doc: "Registry name of the exchange" },
  {
    name: "exchange_symbol",
    type: "utf8",
    nullable: false,
    doc: "Vendor symbol (Tardis datasetId, else id)",
  },
  { name: "base_asset", type: "utf8", nullable: true, doc: "Base currency" },
  { name: "quote_asset", type: "utf8", nullable: true, doc: "Quote currency" },
  {
    name: "asset_type",
    type: "int8",
    nullable: true,
    doc: "0 spot, 1 perpetual, 2 future, 3 option, 4 combo",
  },
  { name: "tick_size", type: "float64", nullable: true, doc: "Minimum price step" },
  { name: "lot_size", type: "float64", nullable: true, doc: "Minimum amount step" },
  {
    name: "price_increment",
    type: "float64",
    nullable: true,
    doc: "Price unit of the fixed-point px_int encoding",
  },
  {
    name: "amount_increment",
    type: "float64",
    nullable: true,
    doc: "Amount unit of the fixed-point qty_int encoding",
  },
  { name: "contract_size", type: "float64", nullable: true, doc: "Contract multiplier" },
  { name: "expiry_ts", type: "int64", nullable: true, doc: "Expiry, µs since epoch (UTC)" },
  {
    name: "valid_from_ts",
    type: "int64",
    nullable: false,
    doc: "Start of the version, inclusive, µs since epoch (UTC)",
  },
  {
    name: "valid_until_ts",
    type: "int64",
    nullable: false,
    doc: "End of the version, exclusive, µs since epoch (UTC); 2^63-1 when open",
  },
  {
    name: "is_current",
    type: "boolean",
    nullable: false,
    doc: "Whether this is the open-ended version of its key",
  },
]);

/**
 * Schema of `dim_symbol`: one unpartitioned table, rows sorted by key then `valid_from_ts`.
 *
 * @example
 * ```ts
 * import { DIM_SYMBOL_SCHEMA } from "./dim_symbol.ts";
 * const names = DIM_SYMBOL_SCHEMA.columns.map((c) => c.name);
 * if (names[0] !== "symbol_id" || names.length !== 16) throw new Error("unexpected columns");
 * ```
 */
export const DIM_SYMBOL_SCHEMA: TableSchema = Object.freeze({
  name: "dim_symbol",
  columns: _COLUMNS,
  partitionBy: Object.freeze([]) as readonly string[],
  sortBy: Object.freeze(["exchange_id", "exchange_symbol", "valid_from_ts"]) as readonly string[],
});

/**
 * Columns a dated update (an input row of `scd2Upsert` / `rebuildFromHistory`) must carry:
 * the key, every tracked column and `valid_from_ts`. An optional `valid_until_ts` closes the
 * version (a delisting) unless another version starts at that time.
 *
 * @example
 * ```ts
 * import { UPDATE_COLUMNS } from "./dim_symbol.ts";
 * if (UPDATE_COLUMNS.length !== 13) throw new Error("key (2) + tracked (10) + valid_from_ts");
 * ```
 */
export const UPDATE_COLUMNS: readonly string[] = Object.freeze([
  ...KEY_COLUMNS,
  ...TRACKED_COLUMNS,
  "valid_from_ts",
]);

/** Invariants of `dim_symbol`, as reported by {@linkcode validateDimSymbol}. */
export type DimSymbolRule =
  | "schema"
  | "valid_until_after_valid_from"
  | "no_overlap"
  | "single_current"
  | "current_is_open_end"
  | "unique_symbol_id"
  | "symbol_id_is_hash"
  | "asset_type_known";

/** One broken invariant, with the version's key (null only for `schema`). */
export interface DimSymbolViolation {
  /** The invariant broken. */
  rule: DimSymbolRule;
  /** Exchange id of the offending version. */
  exchangeId: number | null;
  /** Exchange symbol of the offending version. */
  exchangeSymbol: string | null;
  /** `valid_from_ts` of the offending version. */
  validFromTs: bigint | null;
  /** What is wrong, in a sentence. */
  message: string;
}

/**
 * Check every `dim_symbol` invariant and report each violation with its key and rule.
 *
 * Rules: the frame fits {@linkcode DIM_SYMBOL_SCHEMA} (`schema`; nothing else is checked if
 * it does not); `valid_until_ts > valid_from_ts`; versions of a key do not overlap; at most
 * one current row per key; `is_current` holds exactly for the open end; `symbol_id` values are
 * unique and equal the hash of `exchange_id|exchange_symbol|valid_from_ts`; `asset_type` is a
 * known code.
 *
 * @param dim A `dim_symbol` frame.
 * @returns Violations, empty when the table is valid; sorted by rule, then key and time.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { DIM_SYMBOL_SCHEMA, validateDimSymbol } from "./dim_symbol.ts";
 * import { emptyFrame } from "./table_schema.ts";
 * if (validateDimSymbol(emptyFrame(DIM_SYMBOL_SCHEMA)).length !== 0) throw new Error("valid");
 * const bad = validateDimSymbol(pl.DataFrame({ symbol_id: [1] }));
 * if (bad[0].rule !== "schema") throw new Error("schema violation expected");
 * ```
 */
export function validateDimSymbol(dim: DataFrame): DimSymbolViolation[] {
  let df: pl.DataFrame;
  try {
    df = conformToSchema(dim, DIM_SYMBOL_SCHEMA);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return [{ rule: "schema", exchangeId: null, exchangeSymbol: null, validFromTs: null, message }];
  }
  const key = ["exchange_id", "exchange_symbol"];
  const ordered = df.sort([...key, "valid_from_ts"]);
  const sorted = ordered.withColumns(symbolIds(ordered).alias("__expected_id"));
  const sameKeyAsPrev = pl.col("exchange_id").eq(pl.col("exchange_id").shift(1))
    .and(pl.col("exchange_symbol").eq(pl.col("exchange_symbol").shift(1)))
    .fillNull(false);
  const isOpen = pl.col("valid_until_ts").eq(int64Lit(OPEN_END_TS));
  const checks: [DimSymbolRule, pl.Expr, (r: Record<string, unknown>) => string][] = [
    [
      "valid_until_after_valid_from",
      pl.col("valid_until_ts").ltEq(pl.col("valid_from_ts")),
      (r) => `valid_until_ts ${r.until} is not after valid_from_ts ${r.from}`,
    ],
    [
      "no_overlap",
      sameKeyAsPrev.and(pl.col("valid_from_ts").lt(pl.col("valid_until_ts").shift(1))),
      (r) => `version starting at ${r.from} overlaps the previous version of its key`,
    ],
    [
      "single_current",
      pl.col("is_current").and(
        pl.col("is_current").cast(pl.Int32).sum().over("exchange_id", "exchange_symbol").gt(1),
      ),
      () => "more than one current version for this key",
    ],
    [
      "current_is_open_end",
      pl.col("is_current").neq(isOpen),
      (r) => `is_current is ${r.current} but valid_until_ts is ${r.until}`,
    ],
    [
      "unique_symbol_id",
      pl.col("symbol_id").isDuplicated(),
      (r) => `symbol_id ${r.id} is used by more than one version`,
    ],
    [
      "symbol_id_is_hash",
      pl.col("symbol_id").neq(pl.col("__expected_id")),
      (r) => `symbol_id ${r.id} is not the hash of exchange_id|exchange_symbol|valid_from_ts`,
    ],
    [
      "asset_type_known",
      pl.col("asset_type").isNotNull().and(
        pl.col("asset_type").lt(0).or(pl.col("asset_type").gt(4)),
      ),
      (r) => `asset_type ${r.asset_type} is not a known code (0..4)`,
    ],
  ];
  const flagged = sorted.withColumns(
    ...checks.map(([rule, expr]) => expr.fillNull(false).alias(rule)),
  );
  const violations: DimSymbolViolation[] = [];
  for (const [rule, , describe] of checks) {
    const rows = flagged.filter(pl.col(rule));
    if (rows.height === 0) continue;
    const ids = rows.getColumn("exchange_id").toArray() as number[];
    const syms = rows.getColumn("exchange_symbol").toArray() as string[];
    const from = rows.getColumn("valid_from_ts").toTypedArray() as BigInt64Array;
    const until = rows.getColumn("valid_until_ts").toTypedArray() as BigInt64Array;
    const sid = rows.getColumn("symbol_id").toTypedArray() as BigInt64Array;
    const current = rows.getColumn("is_current").toArray() as boolean[];
    const assetType = rows.getColumn("asset_type").toArray() as (number | null)[];
    for (let i = 0; i < rows.height; i++) {
      const detail = describe({
        from: from[i],
        until: until[i],
        id: sid[i],
        current: current[i],
        asset_type: assetType[i],
      });
      violations.push({
        rule,
        exchangeId: ids[i],
        exchangeSymbol: syms[i],
        validFromTs: from[i],
        message: `Version (${ids[i]}, "${syms[i]}", ${from[i]}): ${detail}`,
      });
    }
  }
  return violations;
}
