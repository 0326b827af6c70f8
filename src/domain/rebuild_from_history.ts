/**
 * Rebuild the whole `dim_symbol` table from its history of dated versions.
 *
 * The input is every dated update (or version) ever seen, in any order: key, tracked columns,
 * `valid_from_ts`, and optionally `valid_until_ts` (a version that ended then, e.g. a
 * delisting, unless another version starts at that time). The result is the table that
 * `scd2Upsert` builds from an empty dimension with the same rows, sorted by key and
 * `valid_from_ts`: observations are ordered by time per key, consecutive equal ones collapse,
 * and each version ends where the next observation begins.
 *
 * Because the whole history is sorted before it is folded, **any order of the same updates
 * gives the same table** (same rows, bounds and ids). A `dim_symbol` table is itself a valid
 * history: rebuilding it gives it back. Use this to rewrite history after a backfill.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { rebuildFromHistory } from "./rebuild_from_history.ts";
 * const history = pl.DataFrame({
 *   exchange_id: pl.Series("exchange_id", [2, 2, 2], pl.Int16),
 *   exchange_symbol: ["BTCUSDT", "BTCUSDT", "BTCUSDT"],
 *   exchange: ["binance-futures", "binance-futures", "binance-futures"],
 *   base_asset: ["BTC", "BTC", "BTC"],
 *   quote_asset: ["USDT", "USDT", "USDT"],
 *   asset_type: pl.Series("asset_type", [1, 1, 1], pl.Int8),
 *   tick_size: [0.5, 0.1, 0.1],
 *   lot_size: [0.001, 0.001, 0.001],
 *   price_increment: [0.5, 0.1, 0.1],
 *   amount_increment: [0.001, 0.001, 0.001],
 *   contract_size: [1, 1, 1],
 *   expiry_ts: pl.Series("expiry_ts", [null, null, null], pl.Int64),
 *   valid_from_ts: pl.Series("valid_from_ts", [300, 100, 200], pl.Int64),
 * });
 * const dim = rebuildFromHistory(history);
 * if (dim.height !== 2) throw new Error("the repeat at 200 collapses");
 * if (dim.getColumn("valid_until_ts").toArray()[0] !== 300) throw new Error("bound");
 * ```
 *
 * @module
 */
import type { DataFrame } from "../polars_types.ts";
import { DIM_SYMBOL_SCHEMA } from "./dim_symbol.ts";
import { scd2Upsert } from "./scd2_upsert.ts";
import { emptyFrame } from "./table_schema.ts";

/**
 * The full `dim_symbol` table from dated versions, independent of their order.
 *
 * @param events Dated updates/versions: key, tracked columns, `valid_from_ts`, optional
 * `valid_until_ts`.
 * @returns The dimension, sorted by `exchange_id`, `exchange_symbol`, `valid_from_ts`.
 * @throws {Scd2ConflictError} When two different versions of one key share a
 * `valid_from_ts`.
 * @throws {TypeError} When a required column is missing or a key/time is null.
 * @example
 * ```ts
 * import { emptyFrame } from "./table_schema.ts";
 * import { DIM_SYMBOL_SCHEMA } from "./dim_symbol.ts";
 * import { rebuildFromHistory } from "./rebuild_from_history.ts";
 * if (rebuildFromHistory(emptyFrame(DIM_SYMBOL_SCHEMA)).height !== 0) throw new Error("empty");
 * ```
 */
export function rebuildFromHistory(events: DataFrame): DataFrame {
  return scd2Upsert(emptyFrame(DIM_SYMBOL_SCHEMA), events).sort([...DIM_SYMBOL_SCHEMA.sortBy]);
}
