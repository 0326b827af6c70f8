/**
 * pointline: a market-data lakehouse toolkit on Deno. Tardis.dev CSV files (bronze) become
 * Delta Lake tables (silver): a point-in-time symbol dimension, event tables keyed to it,
 * and an ingest manifest.
 *
 * This module re-exports the whole toolkit: the Delta Lake layer, the domain, the ingestion
 * services and the research API. To read and analyse the lake, `research.ts` (`./research` in
 * `deno.json`) is the smaller entry point; its module doc lists the research functions.
 *
 * @example
 * ```ts
 * import { TABLE_PATHS } from "./mod.ts";
 * if (TABLE_PATHS.trades !== "silver/trades") throw new Error("unexpected layout");
 * ```
 *
 * @module
 */

// The nodejs-polars types the public API takes and returns.
export type { DataFrame, DataType, Expr, LazyDataFrame, Series } from "./src/polars_types.ts";

// Configuration: lake layout and table paths.
export * from "./src/config.ts";

// Delta Lake: storage, reading, writing, maintenance.
export * from "./src/io/delta/storage.ts";
export * from "./src/io/delta/errors.ts";
export * from "./src/io/delta/local_storage.ts";
export * from "./src/io/delta/memory_storage.ts";
export * from "./src/io/delta/s3_options.ts";
export * from "./src/io/delta/s3_storage.ts";
export * from "./src/io/delta/storage_for_uri.ts";
export * from "./src/io/delta/delta_table.ts";
export * from "./src/io/delta/read_delta.ts";
export * from "./src/io/delta/write_delta.ts";
export * from "./src/io/delta/merge_delta.ts";
export * from "./src/io/delta/delete_delta.ts";
export * from "./src/io/delta/optimize.ts";
export * from "./src/io/delta/vacuum.ts";
export * from "./src/io/delta/checkpoint_writer.ts";
export * from "./src/io/delta/schema.ts";
export * from "./src/io/delta/partition_values.ts";
export * from "./src/io/delta/binary_column.ts";
export { loadSnapshot, type LoadSnapshotOptions, type Snapshot } from "./src/io/delta/snapshot.ts";
export type {
  CheckpointRef,
  LogFile,
  LogFileKind,
  LogSegment,
} from "./src/io/delta/log_segment.ts";
export type { ScanOptions } from "./src/io/delta/scan.ts";
export type { CommitRetryOptions, IsolationLevel } from "./src/io/delta/commit.ts";
export type { ParquetCompression } from "./src/io/delta/data_file_writer.ts";
export type { ComparisonOp, Filter, Predicate, PredicateValue } from "./src/io/delta/predicate.ts";
export type {
  AddAction,
  CommitInfo,
  DeletionVectorDescriptor,
  DomainMetadataAction,
  MetadataAction,
  ProtocolAction,
  RemoveAction,
  TxnAction,
} from "./src/io/delta/actions.ts";

// Domain: schemas, exchanges, dim_symbol (SCD2), event tables, manifest rules.
export * from "./src/domain/table_schema.ts";
export * from "./src/domain/exchanges.ts";
export * from "./src/domain/dim_symbol.ts";
export * from "./src/domain/symbol_id.ts";
export * from "./src/domain/scd2_upsert.ts";
export * from "./src/domain/rebuild_from_history.ts";
export * from "./src/domain/tardis_instruments.ts";
export * from "./src/domain/resolve_symbol_ids.ts";
export * from "./src/domain/check_coverage.ts";
export * from "./src/domain/tardis_csv.ts";
export * from "./src/domain/fixed_point.ts";
export * from "./src/domain/row_rules.ts";
export * from "./src/domain/event_table.ts";
export * from "./src/domain/event_tables.ts";
export * from "./src/domain/trades.ts";
export * from "./src/domain/quotes.ts";
export * from "./src/domain/book_snapshot_25.ts";
export * from "./src/domain/derivative_ticker.ts";
export * from "./src/domain/liquidations.ts";
export * from "./src/domain/l2_updates.ts";
export * from "./src/domain/quarantine.ts";
export * from "./src/domain/ingest_manifest.ts";

// IO adapters and services: the ingestion loop.
export * from "./src/io/protocols.ts";
export * from "./src/io/bronze_layout.ts";
export * from "./src/io/local_bronze_source.ts";
export * from "./src/io/object_storage_bronze_source.ts";
export * from "./src/io/read_error_reason.ts";
export * from "./src/io/delta_lake.ts";
export {
  type AppendOptions,
  type AppendResult,
  DeltaTableRepo,
  type DeltaTableRepoOptions,
} from "./src/io/delta_table_repo.ts";
export { DeltaDimSymbolRepo } from "./src/io/delta_dim_symbol_repo.ts";
export {
  DeltaManifestRepo,
  type DeltaManifestRepoOptions,
  type ManifestCompaction,
} from "./src/io/delta_manifest_repo.ts";
export { DeltaQuarantineRepo } from "./src/io/delta_quarantine_repo.ts";
export * from "./src/services/build_ingestion.ts";
export * from "./src/services/dim_symbol_service.ts";
export * from "./src/services/event_table_service.ts";
export * from "./src/services/ingestion_service.ts";
export * from "./src/services/ingest_one_file.ts";
export * from "./src/services/file_runner.ts";
export * from "./src/services/worker_file_runner.ts";
export * from "./src/services/ingest_jobs.ts";
export * from "./src/sample/sample_bronze.ts";

// Research API for notebooks: everything research.ts exports (its module doc lists it).
export * from "./research.ts";
