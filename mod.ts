/**
 * pointline: a market-data lakehouse toolkit on Deno. Tardis.dev CSV files (bronze) become
 * Delta Lake tables (silver): a point-in-time symbol dimension, event tables keyed to it,
 * and an ingest manifest.
 *
 * This module is the single import of notebooks and scripts; it only re-exports.
 *
 * @example
 * ```ts
 * import { TABLE_PATHS } from "./mod.ts";
 * if (TABLE_PATHS.trades !== "silver/trades") throw new Error("unexpected layout");
 * ```
 *
 * @module
 */
export * from "./src/config.ts";
export * from "./src/domain/table_schema.ts";
export * from "./src/domain/exchanges.ts";
export * from "./src/io/delta/storage.ts";
export * from "./src/io/delta/errors.ts";
