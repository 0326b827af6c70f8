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
 * - `validate_dim_symbol.ts`: check every invariant; `check_coverage.ts`: find gaps.
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
import type { ColumnSpec, TableSchema } from "./table_schema.ts";

/** The open end of a current version: `2^63 - 1`, the Int64 maximum (exclusive bound). */
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

/** The natural key of a `dim_symbol` version: `(exchange_id, exchange_symbol)`. */
export const KEY_COLUMNS: readonly ["exchange_id", "exchange_symbol"] = Object.freeze(
  ["exchange_id", "exchange_symbol"] as const,
);

/**
 * The descriptive columns whose change (null-safe: null to a value is a change) opens a new
 * version.
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
 */
export const UPDATE_COLUMNS: readonly string[] = Object.freeze([
  ...KEY_COLUMNS,
  ...TRACKED_COLUMNS,
  "valid_from_ts",
]);
