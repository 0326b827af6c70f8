/**
 * Internal: read `dim_symbol` and pick one exchange symbol's rows. Shared by `symbols.ts`
 * and `load_events.ts`; not part of the public API.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "../polars_types.ts";
import { exchangeId } from "../domain/exchanges.ts";
import {
  type LakeReadOptions,
  openLake,
  type OpenLakeOptions,
  type TimeTravelOptions,
} from "./open_lake.ts";
import { SymbolNotFoundError } from "./symbol_not_found_error.ts";

/**
 * Read `dim_symbol` (eagerly: it is small).
 *
 * @param options Lake root and time travel.
 * @returns Every row of `dim_symbol`.
 */
export function _readDim(options: LakeReadOptions): Promise<DataFrame> {
  return openLake(options.root, _lakeOptions(options)).scan("dim_symbol", _timeTravel(options))
    .then((lf) => lf.collect());
}

/**
 * Only the storage keys of some lake read options (`storageOptions`), as `openLake` takes them.
 *
 * @param options Lake read options.
 * @returns The keys that are set.
 */
export function _lakeOptions(options: LakeReadOptions): OpenLakeOptions {
  return options.storageOptions !== undefined ? { storageOptions: options.storageOptions } : {};
}

/**
 * Only the time-travel keys of some options (`version`, `asOf`), as `Lake.table` takes them.
 *
 * @param options Options that include time travel among other keys.
 * @returns The keys that are set.
 */
export function _timeTravel(options: TimeTravelOptions): TimeTravelOptions {
  return {
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(options.asOf !== undefined ? { asOf: options.asOf } : {}),
  };
}

/**
 * The rows of one exchange symbol: exact match first, else a case-insensitive one.
 *
 * @param dim Rows of `dim_symbol`.
 * @param exchange Exchange name.
 * @param symbol Exchange symbol.
 * @returns The symbol's versions (at least one).
 */
export function _matchSymbol(dim: DataFrame, exchange: string, symbol: string): DataFrame {
  const id = exchangeId(exchange);
  const onExchange = dim.filter(pl.col("exchange_id").eq(pl.lit(id)));
  let rows = onExchange.filter(pl.col("exchange_symbol").eq(pl.lit(symbol)));
  if (rows.height === 0) {
    rows = onExchange.filter(
      pl.col("exchange_symbol").str.toUpperCase().eq(pl.lit(symbol.trim().toUpperCase())),
    );
  }
  if (rows.height === 0) {
    const known = onExchange.getColumn("exchange_symbol").unique().sort().toArray() as string[];
    const hint = known.length === 0
      ? `no symbols of "${exchange}" are in dim_symbol`
      : `known symbols include ${known.slice(0, 8).map((s) => `"${s}"`).join(", ")}`;
    throw new SymbolNotFoundError(
      exchange,
      symbol,
      `Cannot find symbol "${symbol}" on "${exchange}" in dim_symbol: ${hint}`,
    );
  }
  return rows;
}
