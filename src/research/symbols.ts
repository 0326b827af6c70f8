/**
 * Look up instruments in `dim_symbol`: the full SCD2 history of one exchange symbol, and
 * searches by exchange, assets, type and the time at which a version was valid.
 *
 * `symbol_id` values are 64-bit hashes, beyond the range JavaScript numbers hold exactly:
 * keep them in Polars, or convert them with `BigInt(String(...))` from a Utf8 cast.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "../polars_types.ts";
import { ASSET_TYPES, OPEN_END_TS } from "../domain/dim_symbol.ts";
import { exchangeId } from "../domain/exchanges.ts";
import { int64Lit } from "../domain/int64.ts";
import type { LakeReadOptions } from "./open_lake.ts";
import { _checkArgument, _checkOptions, _LAKE_READ_OPTIONS } from "./_check_options.ts";
import { _matchSymbol, _readDim } from "./_dim_lookup.ts";
export { SymbolNotFoundError } from "./symbol_not_found_error.ts";
import { type TimeLike, toMicros } from "./time_like.ts";

/** Options of {@linkcode findSymbols}. */
export interface FindSymbolsOptions extends LakeReadOptions {
  /** Exchange name (case-insensitive). @default {undefined} any exchange */
  exchange?: string;
  /** Base asset, e.g. `"BTC"` (case-insensitive). @default {undefined} any */
  baseAsset?: string;
  /** Quote asset, e.g. `"USDT"` (case-insensitive). @default {undefined} any */
  quoteAsset?: string;
  /** `"spot"`, `"perpetual"`, `"future"`, `"option"`, `"combo"` or the numeric code. @default {undefined} any */
  assetType?: string | number;
  /**
   * Keep the versions valid at this time (`valid_from_ts <= t < valid_until_ts`).
   *
   * @default {undefined} only the current versions (`is_current`)
   */
  activeAt?: TimeLike;
}

/**
 * Add readable `valid_from` / `valid_until` columns, `Datetime("us", "UTC")` (null for the
 * open end).
 *
 * @param dim Rows of `dim_symbol`.
 * @returns The same rows with two extra columns.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { withValidityDates } from "./symbols.ts";
 * const dim = pl.DataFrame({
 *   valid_from_ts: pl.Series("valid_from_ts", ["1722427200000000"]).cast(pl.Int64),
 *   valid_until_ts: pl.Series("valid_until_ts", ["9223372036854775807"]).cast(pl.Int64),
 * });
 * const out = withValidityDates(dim);
 * if (out.getColumn("valid_until").nullCount() !== 1) throw new Error("open end shows as null");
 * ```
 */
export function withValidityDates(dim: DataFrame): DataFrame {
  return dim.withColumns(
    pl.col("valid_from_ts").cast(pl.Datetime("us", "UTC")).alias("valid_from"),
    pl.when(pl.col("valid_until_ts").eq(int64Lit(OPEN_END_TS)))
      .then(pl.lit(null))
      .otherwise(pl.col("valid_until_ts"))
      .cast(pl.Datetime("us", "UTC"))
      .alias("valid_until"),
  );
}

/**
 * The SCD2 history of one exchange symbol: every `dim_symbol` version, oldest first, with
 * readable `valid_from` / `valid_until` columns added.
 *
 * @param exchange Exchange name, e.g. `"binance"` (case-insensitive).
 * @param symbol The exchange symbol, e.g. `"BTCUSDT"` (exact, else case-insensitive).
 * @param options Lake root and time travel of `dim_symbol`.
 * @returns The versions, sorted by `valid_from_ts`.
 * @throws {UnknownExchangeError} When the exchange is not registered.
 * @throws {SymbolNotFoundError} When the exchange has no such symbol.
 * @example
 * ```ts ignore
 * import { symbolHistory } from "./symbols.ts";
 * const history = await symbolHistory("binance", "BTCUSDT", { root: "./lake" });
 * if (history.height < 1) throw new Error("at least one version");
 * ```
 */
export async function symbolHistory(
  exchange: string,
  symbol: string,
  options: LakeReadOptions = {},
): Promise<DataFrame> {
  _checkArgument("symbolHistory", "exchange", exchange, ["string"]);
  _checkArgument("symbolHistory", "symbol", symbol, ["string"]);
  _checkOptions("symbolHistory", options, { optional: _LAKE_READ_OPTIONS });
  const dim = await _readDim(options);
  const rows = _matchSymbol(dim, exchange, symbol);
  return withValidityDates(rows.sort("valid_from_ts"));
}

/**
 * Search `dim_symbol` by exchange, assets, asset type and validity time.
 *
 * @param options Search criteria (all optional, combined with AND), lake root, time travel.
 * @returns Matching versions sorted by exchange, symbol and `valid_from_ts`, with readable
 * validity columns.
 * @throws {RangeError} When `assetType` is unknown.
 * @throws {UnknownExchangeError} When `exchange` is not registered.
 * @example
 * ```ts ignore
 * import { findSymbols } from "./symbols.ts";
 * const perps = await findSymbols({ exchange: "binance-futures", assetType: "perpetual" });
 * if (perps.getColumn("asset_type").toArray().some((t) => t !== 1)) throw new Error("type");
 * ```
 */
export async function findSymbols(options: FindSymbolsOptions = {}): Promise<DataFrame> {
  _checkOptions("findSymbols", options, {
    optional: {
      exchange: ["string"],
      baseAsset: ["string"],
      quoteAsset: ["string"],
      assetType: ["string", "number"],
      activeAt: ["time"],
      ..._LAKE_READ_OPTIONS,
    },
  });
  let dim = await _readDim(options);
  if (options.exchange !== undefined) {
    const id = exchangeId(options.exchange);
    dim = dim.filter(pl.col("exchange_id").eq(pl.lit(id)));
  }
  if (options.baseAsset !== undefined) {
    dim = dim.filter(
      pl.col("base_asset").str.toUpperCase().eq(
        pl.lit(options.baseAsset.trim().toUpperCase()),
      ),
    );
  }
  if (options.quoteAsset !== undefined) {
    dim = dim.filter(
      pl.col("quote_asset").str.toUpperCase().eq(
        pl.lit(options.quoteAsset.trim().toUpperCase()),
      ),
    );
  }
  if (options.assetType !== undefined) {
    dim = dim.filter(pl.col("asset_type").eq(pl.lit(assetTypeCode(options.assetType))));
  }
  if (options.activeAt !== undefined) {
    const t = pl.lit(toMicros(options.activeAt)).cast(pl.Int64);
    dim = dim.filter(pl.col("valid_from_ts").ltEq(t).and(pl.col("valid_until_ts").gt(t)));
  } else {
    dim = dim.filter(pl.col("is_current"));
  }
  return withValidityDates(dim.sort(["exchange", "exchange_symbol", "valid_from_ts"]));
}

/**
 * The numeric `asset_type` code of an asset type name or code.
 *
 * @param type A name from {@linkcode ASSET_TYPES} or a code 0-4.
 * @returns The code.
 * @throws {RangeError} When the name or code is unknown.
 * @example
 * ```ts
 * import { assetTypeCode } from "./symbols.ts";
 * if (assetTypeCode("perpetual") !== 1) throw new Error("perpetual is 1");
 * ```
 */
export function assetTypeCode(type: string | number): number {
  if (typeof type === "number") {
    if (Object.values(ASSET_TYPES).includes(type)) return type;
  } else {
    const code = (ASSET_TYPES as Record<string, number>)[type.trim().toLowerCase()];
    if (code !== undefined) return code;
  }
  throw new RangeError(
    `Unknown asset type "${type}": expected one of ${Object.keys(ASSET_TYPES).join(", ")}`,
  );
}
