/**
 * `mergeDelta`: upsert a source frame into a Delta table by key columns.
 *
 * Semantics (SQL MERGE with an equality condition on `on`; null keys never match):
 * - `whenMatched`: `"update"` (default) sets every matched target row to the source row's values
 *   (columns the source lacks keep their target values; duplicate target rows are all updated),
 *   `"delete"` deletes it, `"ignore"` keeps it;
 * - `whenNotMatched`: `"insert"` (default) inserts the source row, `"ignore"` drops it;
 * - `whenNotMatchedBySource`: `"delete"` deletes target rows no source row matches,
 *   `"ignore"` (default) keeps them.
 * A target row matched by several source rows is an error (as in Delta).
 *
 * Only files that can hold a source key are read: the keys become an `in` filter (or a min/max
 * range for many keys) checked against partition values and statistics; a candidate file is
 * rewritten only if it really holds a matched key. Removes and adds land in one commit. With
 * `whenNotMatchedBySource: "delete"` every file must be read.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "../../polars_types.ts";
import type { AddAction } from "./actions.ts";
import type { CommitRetryOptions } from "./commit.ts";
import { type ParquetCompression, writeDataFiles } from "./data_file_writer.ts";
import { readDataFile } from "./data_file_reader.ts";
import { TableNotFoundError } from "./errors.ts";
import { fileMayMatch } from "./file_skipping.ts";
import type { Filter, PredicateValue } from "./predicate.ts";
import { Transaction } from "./transaction.ts";
import { reconcileSchema, tryLoadSnapshot } from "./write_delta.ts";
import { storageForUri, type StorageLocationOptions } from "./storage_for_uri.ts";

/** Options of {@linkcode mergeDelta}. */
export interface MergeDeltaOptions extends StorageLocationOptions {
  /** Key columns; a target row matches a source row when all keys are equal (and not null). */
  on: string[];
  /**
   * Action for matched target rows.
   *
   * @default {"update"}
   */
  whenMatched?: "update" | "delete" | "ignore";
  /**
   * Action for source rows without a match.
   *
   * @default {"insert"}
   */
  whenNotMatched?: "insert" | "ignore";
  /**
   * Action for target rows without a match.
   *
   * @default {"ignore"}
   */
  whenNotMatchedBySource?: "delete" | "ignore";
  /**
   * Custom metadata merged into `commitInfo`.
   *
   * @default {{}}
   */
  commitMetadata?: Record<string, unknown>;
  /**
   * Parquet codec of written files.
   *
   * @default {"zstd"}
   */
  compression?: ParquetCompression;
  /**
   * Target size of written files in bytes.
   *
   * @default {104857600}
   */
  targetFileSize?: number;
  /**
   * Up to this many distinct keys per column are pruned with an `in` filter; more use a range.
   *
   * @default {5000}
   */
  maxInListKeys?: number;
  /**
   * Commit retry policy.
   *
   * @default {{}}
   */
  retry?: CommitRetryOptions;
}

/** What {@linkcode mergeDelta} did. */
export interface MergeResult {
  /** The committed version, or the current one when nothing changed (no commit). */
  version: number;
  /** Source rows inserted. */
  rowsInserted: number;
  /** Target rows updated. */
  rowsUpdated: number;
  /** Target rows deleted. */
  rowsDeleted: number;
  /** Target files read and rewritten (removed). */
  filesRewritten: number;
  /** Files added. */
  filesAdded: number;
  /** Files whose partition values and statistics allowed a key (they were read). */
  filesScanned: number;
}

const _HIT = "__pointline_hit";

/**
 * Merge `source` into the table at `uri` by the key columns `options.on`.
 *
 * @param uri Table location.
 * @param source Source rows (columns of the table schema; missing nullable columns are null).
 * @param options See {@linkcode MergeDeltaOptions}.
 * @returns See {@linkcode MergeResult}.
 * @throws {TableNotFoundError} When there is no table.
 * @throws {TypeError} When `on` is empty or names a column missing from source or table.
 * @throws {RangeError} When a target row matches several source rows.
 * @throws {SchemaMismatchError} When the source does not fit the table schema.
 * @throws {CommitConflictError} When a concurrent commit conflicts.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { writeDelta } from "./write_delta.ts";
 * import { mergeDelta } from "./merge_delta.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const storage = new MemoryStorage();
 * await writeDelta("mem://t", pl.DataFrame({ k: [1, 2], v: ["a", "b"] }), { storage });
 * const r = await mergeDelta("mem://t", pl.DataFrame({ k: [2, 3], v: ["B", "C"] }), { on: ["k"], storage });
 * if (r.rowsUpdated !== 1 || r.rowsInserted !== 1) throw new Error("bad merge");
 * ```
 */
export async function mergeDelta(
  uri: string,
  source: DataFrame,
  options: MergeDeltaOptions,
): Promise<MergeResult> {
  const whenMatched = options.whenMatched ?? "update";
  const whenNotMatched = options.whenNotMatched ?? "insert";
  const bySource = options.whenNotMatchedBySource ?? "ignore";
  const on = options.on ?? [];
  if (on.length === 0) {
    throw new TypeError("Cannot merge: option on must name at least one key column");
  }
  const storage = storageForUri(uri, options);
  const snapshot = await tryLoadSnapshot(storage);
  if (!snapshot) {
    throw new TableNotFoundError(`Cannot merge into "${storage.root}": no Delta table there`);
  }
  for (const k of on) {
    if (!source.columns.includes(k) || !snapshot.schema.fields.some((f) => f.name === k)) {
      throw new TypeError(
        `Cannot merge: key column "${k}" is missing from the source or the table`,
      );
    }
  }
  const src = reconcileSchema(snapshot.schema, source).df;
  const dup = src.filter(_notNullKeys(on)).groupBy(on).agg(pl.len().alias("n")).filter(
    pl.col("n").gt(1),
  );
  if (dup.height > 0) {
    throw new RangeError(
      `Cannot merge: ${dup.height} key value(s) occur in several source rows (for example ${
        JSON.stringify(dup.drop("n").head(1).toRecords()[0], (_k, v) =>
          typeof v === "bigint" ? String(v) : v)
      })`,
    );
  }
  const partCols = snapshot.partitionColumns;
  const keyFilter = _keyFilter(src, on, options.maxInListKeys ?? 5000);
  const tx = new Transaction(storage, snapshot, {
    operation: "MERGE",
    operationParameters: {
      predicate: on.map((k) => `target.${k} = source.${k}`).join(" AND "),
      matchedPredicates: [{ actionType: whenMatched }],
      notMatchedPredicates: [{ actionType: whenNotMatched }],
      notMatchedBySourcePredicates: [{ actionType: bySource }],
    },
    commitMetadata: options.commitMetadata,
    retry: options.retry,
  });
  if (bySource === "delete") tx.readAll();
  else {tx.readWhere((add) =>
      keyFilter !== undefined && fileMayMatch(keyFilter, add, snapshot.schema, partCols)
    );}

  const srcKeys = src.filter(_notNullKeys(on)).select(...on).withColumns(pl.lit(true).alias(_HIT));
  // Columns an update takes from the source; the target keeps its values for the others.
  const sourceCols = new Set(source.columns);
  const srcUpdates = src.select(...src.columns.filter((c) => sourceCols.has(c)));
  const touched: AddAction[] = [];
  const kept: pl.DataFrame[] = [];
  let scanned = 0, rowsUpdated = 0, rowsDeleted = 0;
  const matchedSourceRows: pl.DataFrame[] = [];
  for (const f of snapshot.files) {
    if (bySource !== "delete") {
      if (keyFilter === undefined || !fileMayMatch(keyFilter, f, snapshot.schema, partCols)) {
        continue;
      }
    }
    scanned++;
    tx.readFile(f);
    const rows = await readDataFile(storage, f, {
      schema: snapshot.schema,
      partitionColumns: partCols,
      version: snapshot.version,
    });
    const marked = srcKeys.height > 0
      ? rows.join(srcKeys, { on, how: "left" }).withColumns(pl.col(_HIT).fillNull(false))
      : rows.withColumns(pl.lit(false).alias(_HIT));
    const nMatched = marked.filter(pl.col(_HIT)).height;
    const nUnmatched = rows.height - nMatched;
    const changes = (nMatched > 0 && whenMatched !== "ignore") ||
      (nUnmatched > 0 && bySource === "delete");
    if (nMatched > 0) {
      matchedSourceRows.push(marked.filter(pl.col(_HIT)).select(...on));
    }
    if (!changes) continue;
    touched.push(f);
    tx.removeFile(f);
    let keep = marked;
    if (whenMatched !== "ignore") {
      keep = keep.filter(pl.col(_HIT).not());
      if (whenMatched === "update") {
        // Every matched target row is updated, duplicates included: one output row per row.
        const matched = marked.filter(pl.col(_HIT)).drop(_HIT);
        const targetOnly = matched.columns.filter((c) => on.includes(c) || !sourceCols.has(c));
        kept.push(
          matched.select(...targetOnly).join(srcUpdates, { on, how: "inner" }).select(
            ...matched.columns,
          ),
        );
        rowsUpdated += nMatched;
      } else rowsDeleted += nMatched;
    }
    if (bySource === "delete") {
      keep = keep.filter(pl.col(_HIT));
      rowsDeleted += nUnmatched;
    }
    kept.push(keep.drop(_HIT));
  }
  // Source keys that matched a row somewhere in the table.
  const matchedKeys = matchedSourceRows.length > 0
    ? pl.concat(matchedSourceRows).unique().withColumns(pl.lit(true).alias(_HIT))
    : undefined;
  const srcMarked = matchedKeys
    ? src.join(matchedKeys, { on, how: "left" }).withColumns(pl.col(_HIT).fillNull(false))
    : src.withColumns(pl.lit(false).alias(_HIT));
  const parts: pl.DataFrame[] = [...kept];
  let rowsInserted = 0;
  if (whenNotMatched === "insert") {
    const ins = srcMarked.filter(pl.col(_HIT).not()).drop(_HIT);
    rowsInserted = ins.height;
    parts.push(ins);
  }
  const nonEmpty = parts.filter((p) => p.height > 0);
  const out = nonEmpty.length > 0 ? pl.concat(nonEmpty, { how: "vertical" }) : undefined;
  const adds = out
    ? await writeDataFiles(storage, out, {
      partitionColumns: partCols,
      compression: options.compression,
      targetFileSize: options.targetFileSize,
      configuration: snapshot.metadata.configuration,
    })
    : [];
  if (adds.length === 0 && touched.length === 0) {
    return {
      version: snapshot.version,
      rowsInserted: 0,
      rowsUpdated: 0,
      rowsDeleted: 0,
      filesRewritten: 0,
      filesAdded: 0,
      filesScanned: scanned,
    };
  }
  tx.addFiles(adds);
  tx.setMetrics({
    numTargetRowsInserted: rowsInserted,
    numTargetRowsUpdated: rowsUpdated,
    numTargetRowsDeleted: rowsDeleted,
    numTargetFilesRemoved: touched.length,
    numTargetFilesAdded: adds.length,
    numSourceRows: source.height,
  });
  const { version } = await tx.commit();
  return {
    version,
    rowsInserted,
    rowsUpdated,
    rowsDeleted,
    filesRewritten: touched.length,
    filesAdded: adds.length,
    filesScanned: scanned,
  };
}

function _notNullKeys(on: string[]): pl.Expr {
  return on.map((k) => pl.col(k).isNotNull()).reduce((a, b) => a.and(b));
}

/** A filter that every file holding one of the source keys satisfies (undefined: no keys). */
function _keyFilter(src: pl.DataFrame, on: string[], maxIn: number): Filter | undefined {
  const keys = src.filter(_notNullKeys(on));
  if (keys.height === 0) return undefined;
  const filter: Filter = [];
  for (const k of on) {
    const s = keys.getColumn(k);
    const variant = s.dtype.variant as string;
    const distinct = keys.select(pl.col(k).unique()).getColumn(k);
    const exact = /^(Int|UInt)(8|16|32|64)$/.test(variant);
    const values = (ser: pl.Series): PredicateValue[] =>
      exact
        ? (ser.cast(pl.Utf8).toArray() as string[]).map((v) => BigInt(v))
        : variant === "Date"
        ? (ser.cast(pl.Utf8).toArray() as string[]).map((v) => new Date(`${v}T00:00:00Z`))
        : (ser.toArray() as PredicateValue[]);
    if (/Datetime|Float|Decimal|List|Struct|Binary/.test(variant)) continue; // no pruning on these
    if (distinct.len() <= maxIn) {
      filter.push([k, "in", values(distinct)]);
    } else {
      const [lo] = values(keys.select(pl.col(k).min()).getColumn(k));
      const [hi] = values(keys.select(pl.col(k).max()).getColumn(k));
      filter.push([k, ">=", lo], [k, "<=", hi]);
    }
  }
  return filter;
}
