/**
 * `optimize`: compact small files of a Delta table (bin-packing per partition).
 *
 * Files smaller than `targetSize` are grouped per partition into bins of up to `targetSize`
 * bytes; every bin of two or more files is read and written back as one file. The commit
 * removes and adds with `dataChange: false`, so streaming readers and conflict checks of other
 * writers see no data change (a concurrent blind append never conflicts; a concurrent removal
 * of a compacted file does). A table with nothing to compact is left unchanged (no commit).
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
import type { Filter } from "./predicate.ts";
import { Transaction } from "./transaction.ts";
import { tryLoadSnapshot } from "./write_delta.ts";
import { storageForUri, type StorageLocationOptions } from "./storage_for_uri.ts";

/** Options of {@linkcode optimize}. */
export interface OptimizeOptions extends StorageLocationOptions {
  /**
   * Target file size in bytes; smaller files are candidates.
   *
   * @default {104857600}
   */
  targetSize?: number;
  /**
   * Only compact partitions matching this filter (partition columns only).
   *
   * @default {[]}
   */
  partitionFilter?: Filter;
  /**
   * Parquet codec of the compacted files.
   *
   * @default {"zstd"}
   */
  compression?: ParquetCompression;
  /**
   * Commit retry policy.
   *
   * @default {{}}
   */
  retry?: CommitRetryOptions;
}

/** What {@linkcode optimize} did. */
export interface OptimizeResult {
  /** The committed version, or the current one when nothing was compacted. */
  version: number;
  /** Files written. */
  filesAdded: number;
  /** Files compacted away. */
  filesRemoved: number;
  /** Partitions with at least one compacted bin. */
  partitionsOptimized: number;
  /** Whether a commit was made. */
  committed: boolean;
}

/**
 * Compact the small files of a table.
 *
 * @param uri Table location.
 * @param options See {@linkcode OptimizeOptions}.
 * @returns See {@linkcode OptimizeResult}.
 * @throws {TableNotFoundError} When there is no table.
 * @throws {TypeError} When `partitionFilter` names a non-partition column.
 * @throws {CommitConflictError} When a concurrent commit removed a compacted file.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { writeDelta } from "./write_delta.ts";
 * import { optimize } from "./optimize.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const storage = new MemoryStorage();
 * await writeDelta("mem://t", pl.DataFrame({ x: [1] }), { storage });
 * await writeDelta("mem://t", pl.DataFrame({ x: [2] }), { storage, mode: "append" });
 * const r = await optimize("mem://t", { storage });
 * if (r.filesRemoved !== 2 || r.filesAdded !== 1) throw new Error("bad compaction");
 * if ((await optimize("mem://t", { storage })).committed) throw new Error("second run must be a no-op");
 * ```
 */
export async function optimize(
  uri: string,
  options: OptimizeOptions = {},
): Promise<OptimizeResult> {
  const storage = storageForUri(uri, options);
  const snapshot = await tryLoadSnapshot(storage);
  if (!snapshot) {
    throw new TableNotFoundError(`Cannot optimize "${storage.root}": no Delta table there`);
  }
  const target = options.targetSize ?? 104_857_600;
  const filter = options.partitionFilter ?? [];
  const partCols = snapshot.partitionColumns;
  for (const p of filter) {
    if (!partCols.includes(p[0])) {
      throw new TypeError(`Invalid partitionFilter: "${p[0]}" is not a partition column`);
    }
  }
  const groups = new Map<string, AddAction[]>();
  for (const f of snapshot.files) {
    if (f.size >= target || f.deletionVector) continue;
    if (filter.length > 0 && !fileMayMatch(filter, f, snapshot.schema, partCols)) continue;
    const key = JSON.stringify(partCols.map((c) => f.partitionValues[c] ?? null));
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const tx = new Transaction(storage, snapshot, {
    operation: "OPTIMIZE",
    operationParameters: { predicate: filter, targetSize: target },
    retry: options.retry,
  });
  let partitions = 0;
  const adds: AddAction[] = [];
  for (const files of groups.values()) {
    const bins = _binPack(files, target).filter((b) => b.length >= 2);
    if (bins.length > 0) partitions++;
    for (const bin of bins) {
      const frames = [];
      for (const f of bin) {
        frames.push(
          await readDataFile(storage, f, {
            schema: snapshot.schema,
            partitionColumns: partCols,
            version: snapshot.version,
          }),
        );
        tx.removeFile(f, { dataChange: false });
      }
      adds.push(
        ...await writeDataFiles(storage, pl.concat(frames, { how: "vertical" }), {
          partitionColumns: partCols,
          targetFileSize: Number.MAX_SAFE_INTEGER,
          compression: options.compression,
          dataChange: false,
          configuration: snapshot.metadata.configuration,
        }),
      );
    }
  }
  if (tx.removeCount === 0) {
    return {
      version: snapshot.version,
      filesAdded: 0,
      filesRemoved: 0,
      partitionsOptimized: 0,
      committed: false,
    };
  }
  tx.addFiles(adds);
  tx.setMetrics({
    numFilesAdded: adds.length,
    numFilesRemoved: tx.removeCount,
    partitionsOptimized: partitions,
  });
  const { version } = await tx.commit();
  return {
    version,
    filesAdded: adds.length,
    filesRemoved: tx.removeCount,
    partitionsOptimized: partitions,
    committed: true,
  };
}

function _binPack(files: AddAction[], target: number): AddAction[][] {
  // Oldest first, so compacted files keep the order rows were written in.
  const sorted = [...files].sort((a, b) =>
    a.modificationTime - b.modificationTime || (a.path < b.path ? -1 : 1)
  );
  const bins: AddAction[][] = [];
  let cur: AddAction[] = [], size = 0;
  for (const f of sorted) {
    if (cur.length > 0 && size + f.size > target) {
      bins.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(f);
    size += f.size;
  }
  if (cur.length > 0) bins.push(cur);
  return bins;
}
