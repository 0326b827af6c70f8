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
export * from "./src/io/delta/delta_table.ts";
export * from "./src/io/delta/read_delta.ts";
export * from "./src/io/delta/write_delta.ts";
export * from "./src/io/delta/optimize.ts";
export * from "./src/io/delta/vacuum.ts";
export * from "./src/io/delta/checkpoint_writer.ts";
export * from "./src/io/delta/local_storage.ts";
export * from "./src/domain/dim_symbol.ts";
export * from "./src/domain/tardis_instruments.ts";
export * from "./src/domain/scd2_upsert.ts";
export * from "./src/domain/resolve_symbol_ids.ts";
export * from "./src/domain/fixed_point.ts";
export * from "./src/domain/event_table.ts";
export * from "./src/domain/event_tables.ts";
export * from "./src/io/delta_lake.ts";
export * from "./src/services/build_ingestion.ts";
export * from "./src/services/event_table_service.ts";
export * from "./src/sample/sample_bronze.ts";
export * from "./src/research/time_like.ts";
export * from "./src/research/open_lake.ts";
export * from "./src/research/symbols.ts";
export * from "./src/research/symbol_not_found_error.ts";
export * from "./src/research/load_events.ts";
export * from "./src/research/as_of_join.ts";
export * from "./src/research/bars.ts";
export * from "./src/research/charts.ts";
export * from "./src/research/progress_display.ts";
export * from "./src/research/table_view.ts";
export * from "./src/research/show.ts";
