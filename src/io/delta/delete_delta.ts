/**
 * `deleteDelta`: delete the rows of a Delta table that match a filter.
 *
 * Only files that may hold matching rows (by partition values and statistics) are looked at.
 * When the filter names only partition columns, matching files are removed whole without being
 * read. Otherwise each candidate file is read; a file with matching rows is removed and its
 * remaining rows are written to a new file, all in one atomic commit. Null semantics are SQL's:
 * a row where the filter is null is kept.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { AddAction } from "./actions.ts";
import type { CommitRetryOptions } from "./commit.ts";
import { type ParquetCompression, writeDataFiles } from "./data_file_writer.ts";
import { readDataFile } from "./data_file_reader.ts";
import { TableNotFoundError } from "./errors.ts";
import { fileMayMatch } from "./file_skipping.ts";
import { partitionValuesToExprs } from "./partition_values.ts";
import { type Filter, filterToExpr } from "./predicate.ts";
import type { Snapshot } from "./snapshot.ts";
import { Transaction } from "./transaction.ts";
import { tryLoadSnapshot } from "./write_delta.ts";
import { storageForUri, type StorageLocationOptions } from "./storage_for_uri.ts";

/** Options of {@linkcode deleteDelta}. */
export interface DeleteDeltaOptions extends StorageLocationOptions {
  /**
   * Custom metadata merged into `commitInfo`.
   *
   * @default {{}}
   */
  commitMetadata?: Record<string, unknown>;
  /**
   * Parquet codec of rewritten files.
   *
   * @default {"zstd"}
   */
  compression?: ParquetCompression;
  /**
   * Target size of rewritten files in bytes.
   *
   * @default {104857600}
   */
  targetFileSize?: number;
  /**
   * Commit retry policy.
   *
   * @default {{}}
   */
  retry?: CommitRetryOptions;
}

/** What {@linkcode deleteDelta} did. */
export interface DeleteResult {
  /** The committed version, or the current version when no row matched (no commit). */
  version: number;
  /** Rows deleted. */
  rowsDeleted: number;
  /** Files removed (whole-file deletes plus rewritten files). */
  filesRemoved: number;
  /** Files added (rewrites of the surviving rows). */
  filesAdded: number;
  /** Files that were read and rewritten. */
  filesRewritten: number;
  /** Whether a commit was made. */
  committed: boolean;
}

/**
 * Delete the rows matching `filter`.
 *
 * @param uri Table location.
 * @param filter Rows to delete (an AND of predicates; `[]` deletes every row).
 * @param options See {@linkcode DeleteDeltaOptions}.
 * @returns See {@linkcode DeleteResult}.
 * @throws {TableNotFoundError} When there is no table.
 * @throws {CommitConflictError} When a concurrent commit conflicts.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { writeDelta } from "./write_delta.ts";
 * import { deleteDelta } from "./delete_delta.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const storage = new MemoryStorage();
 * await writeDelta("mem://t", pl.DataFrame({ x: [1, 2, 3] }), { storage });
 * const r = await deleteDelta("mem://t", [["x", ">=", 2]], { storage });
 * if (r.rowsDeleted !== 2 || r.version !== 1) throw new Error("bad delete");
 * ```
 */
export async function deleteDelta(
  uri: string,
  filter: Filter,
  options: DeleteDeltaOptions = {},
): Promise<DeleteResult> {
  const storage = storageForUri(uri, options);
  const snapshot = await tryLoadSnapshot(storage);
  if (!snapshot) {
    throw new TableNotFoundError(`Cannot delete from "${storage.root}": no Delta table there`);
  }
  const tx = new Transaction(storage, snapshot, {
    operation: "DELETE",
    operationParameters: { predicate: filter },
    commitMetadata: options.commitMetadata,
    retry: options.retry,
  });
  const partCols = snapshot.partitionColumns;
  tx.readWhere((add) => fileMayMatch(filter, add, snapshot.schema, partCols));
  const expr = filterToExpr(filter, { schema: snapshot.schema });
  const partitionOnly = filter.every((p) => partCols.includes(p[0]));
  const writeOptions = {
    partitionColumns: partCols,
    compression: options.compression,
    targetFileSize: options.targetFileSize,
    configuration: snapshot.metadata.configuration,
  };
  let rowsDeleted = 0, rewritten = 0;
  const adds: AddAction[] = [];
  for (const f of snapshot.files) {
    if (!fileMayMatch(filter, f, snapshot.schema, partCols)) continue;
    tx.readFile(f);
    if (partitionOnly && _partitionMatches(f, expr, snapshot)) {
      const n = _numRecords(f);
      rowsDeleted += n ??
        (await readDataFile(storage, f, {
          schema: snapshot.schema,
          partitionColumns: partCols,
          version: snapshot.version,
        })).height;
      tx.removeFile(f);
      continue;
    }
    if (partitionOnly) continue;
    const rows = await readDataFile(storage, f, {
      schema: snapshot.schema,
      partitionColumns: partCols,
      version: snapshot.version,
    });
    const keep = rows.filter(expr.not().or(expr.isNull()));
    if (keep.height === rows.height) continue;
    rowsDeleted += rows.height - keep.height;
    tx.removeFile(f);
    if (keep.height > 0) {
      rewritten++;
      adds.push(...await writeDataFiles(storage, keep, writeOptions));
    }
  }
  if (tx.removeCount === 0) {
    return {
      version: snapshot.version,
      rowsDeleted: 0,
      filesRemoved: 0,
      filesAdded: 0,
      filesRewritten: 0,
      committed: false,
    };
  }
  tx.addFiles(adds);
  tx.setMetrics({
    numDeletedRows: rowsDeleted,
    numRemovedFiles: tx.removeCount,
    numAddedFiles: adds.length,
  });
  const { version } = await tx.commit();
  return {
    version,
    rowsDeleted,
    filesRemoved: tx.removeCount,
    filesAdded: adds.length,
    filesRewritten: rewritten,
    committed: true,
  };
}

function _partitionMatches(add: AddAction, expr: pl.Expr, snapshot: Snapshot): boolean {
  const row = pl.DataFrame({ __one: [1] }).withColumns(
    ...partitionValuesToExprs(add.partitionValues, {
      schema: snapshot.schema,
      partitionColumns: snapshot.partitionColumns,
    }),
  );
  return row.filter(expr).height === 1;
}

function _numRecords(add: AddAction): number | undefined {
  if (!add.stats) return undefined;
  try {
    const n = JSON.parse(add.stats).numRecords;
    return typeof n === "number" ? n : undefined;
  } catch {
    return undefined;
  }
}
