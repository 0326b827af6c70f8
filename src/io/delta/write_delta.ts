/**
 * `writeDelta`: create, append to, or overwrite a Delta table from a Polars frame.
 *
 * - `mode: "error"` (default) creates the table and fails if one exists; `"ignore"` does
 *   nothing if one exists; `"append"` adds files (a blind append: it never conflicts with a
 *   concurrent append); `"overwrite"` replaces the table's rows, or with `predicate` only the
 *   rows matching it ("replaceWhere": every written row must match the predicate). Files the
 *   predicate fully covers (decided exactly from partition values when the predicate names only
 *   partition columns) are removed without being read; other candidate files are read and
 *   their non-matching rows rewritten.
 * - The frame must fit the table schema: same column types (no silent coercion), missing
 *   nullable columns are written as nulls. `schemaMode: "merge"` adds new columns (nullable)
 *   with a metadata change; without it extra or differing columns are a
 *   {@linkcode SchemaMismatchError} listing them.
 * - New tables get protocol reader 1 / writer 2, or 3 / 7 with the `timestampNtz` feature when
 *   the frame has a timezone-less datetime column.
 * - `txn: { appId, version }` records an idempotency marker in the same commit. If the table
 *   already records a version >= `txn.version` for `appId`, nothing is written and the result
 *   has `skipped: true`; two writers racing with the same app id conflict.
 * - Concurrency follows the table's isolation level (`delta.isolationLevel`, or the
 *   `isolationLevel` option for one write; rules in `commit.ts`). Under the default
 *   `WriteSerializable` an append that loses the race to an overwrite retries and lands after
 *   it; under `Serializable` it is rejected with a `CommitConflictError`. An overwrite that
 *   loses to an append is rejected under both.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "../../polars_types.ts";
import type { AddAction, MetadataAction, ProtocolAction } from "./actions.ts";
import { type CommitRetryOptions, type IsolationLevel, resolveIsolationLevel } from "./commit.ts";
import { polarsTypesOf } from "./binary_column.ts";
import { type ParquetCompression, writeDataFiles } from "./data_file_writer.ts";
import { readDataFile, strictSchemaExprs } from "./data_file_reader.ts";
import {
  SchemaMismatchError,
  TableAlreadyExistsError,
  TableNotFoundError,
  ValueOutOfRangeError,
} from "./errors.ts";
import { fileMayMatch } from "./file_skipping.ts";
import { partitionValuesToExprs } from "./partition_values.ts";
import { type Filter, filterToExpr } from "./predicate.ts";
import {
  type DeltaDataType,
  deltaToPolars,
  polarsToDelta,
  schemaToJson,
  type StructField,
  type StructType,
} from "./schema.ts";
import { loadSnapshot, type Snapshot } from "./snapshot.ts";
import type { ObjectStorage } from "./storage.ts";
import { Transaction } from "./transaction.ts";
import { storageForUri, type StorageLocationOptions } from "./storage_for_uri.ts";

/** Save modes of {@linkcode writeDelta}. */
export type WriteMode = "error" | "append" | "overwrite" | "ignore";

/** Options of {@linkcode writeDelta}. */
export interface WriteDeltaOptions extends StorageLocationOptions {
  /**
   * What to do when the table exists.
   *
   * @default {"error"}
   */
  mode?: WriteMode;
  /**
   * Partition columns of a new table; for an existing table it must equal the table's.
   *
   * @default {[]}
   */
  partitionBy?: string[];
  /**
   * With `mode: "overwrite"`: replace only the rows matching this filter (replaceWhere).
   *
   * @default {undefined}
   */
  predicate?: Filter;
  /**
   * `"merge"` adds the frame's new columns to the table schema.
   *
   * @default {undefined}
   */
  schemaMode?: "merge";
  /**
   * Split a partition's rows into files of about this many bytes.
   *
   * @default {104857600}
   */
  targetFileSize?: number;
  /**
   * Parquet codec.
   *
   * @default {"zstd"}
   */
  compression?: ParquetCompression;
  /**
   * Idempotency marker written with the commit.
   *
   * @default {undefined}
   */
  txn?: { appId: string; version: number };
  /**
   * Custom metadata merged into `commitInfo`.
   *
   * @default {{}}
   */
  commitMetadata?: Record<string, unknown>;
  /**
   * Table configuration of a new table (`delta.checkpointInterval`, ...).
   *
   * @default {{}}
   */
  configuration?: Record<string, string>;
  /**
   * Table name of a new table.
   *
   * @default {undefined}
   */
  name?: string;
  /**
   * Table description of a new table.
   *
   * @default {undefined}
   */
  description?: string;
  /**
   * Commit retry policy.
   *
   * @default {{}}
   */
  retry?: CommitRetryOptions;
  /**
   * Isolation level of this write's conflict checks, overriding the table property
   * `delta.isolationLevel`. Under `"Serializable"` an append that loses the race to a commit
   * removing data in a partition it writes to (an overwrite, replaceWhere, delete or merge)
   * is rejected with a `CommitConflictError`; under `"WriteSerializable"` it retries after it.
   *
   * @default {the table's delta.isolationLevel, else "WriteSerializable"}
   */
  isolationLevel?: IsolationLevel;
  /**
   * Data files already written to the table's storage (by a {@linkcode StagedWrite} from
   * `staged_write.ts`), committed as `add` actions in this write's one commit, after the files
   * of `df`. Their rows must fit the table schema (and `predicate`, when given); the caller
   * checked that when staging them.
   *
   * @default {[]}
   */
  stagedFiles?: readonly AddAction[];
}

/** What {@linkcode writeDelta} did. */
export interface WriteResult {
  /** The committed version (the current version when nothing was written). */
  version: number;
  /** Number of `add` actions committed. */
  filesAdded: number;
  /** Number of `remove` actions committed. */
  filesRemoved: number;
  /** Rows of `df` written (rewritten rows of partially covered files not included). */
  rowsWritten: number;
  /** True when nothing was written (`mode: "ignore"` on an existing table, or `txn` already applied). */
  skipped?: boolean;
  /** Whether a checkpoint was written after the commit. */
  checkpointed?: boolean;
}

/**
 * Load the newest snapshot, or `undefined` when there is no table yet.
 *
 * @param storage Storage rooted at the table.
 * @returns The snapshot or `undefined`.
 * @throws Errors of `loadSnapshot` other than {@linkcode TableNotFoundError}.
 * @example
 * ```ts
 * import { tryLoadSnapshot } from "./write_delta.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * if (await tryLoadSnapshot(new MemoryStorage()) !== undefined) throw new Error("no table expected");
 * ```
 */
export async function tryLoadSnapshot(storage: ObjectStorage): Promise<Snapshot | undefined> {
  try {
    return await loadSnapshot(storage);
  } catch (e) {
    if (e instanceof TableNotFoundError) return undefined;
    throw e;
  }
}

/**
 * Write a Polars frame to a Delta table (create, append, overwrite, replaceWhere).
 *
 * @param uri Table location: a local path, a `file://` or `s3://` URI (any label with
 *   `options.storage`).
 * @param df The rows to write.
 * @param options See {@linkcode WriteDeltaOptions}.
 * @returns See {@linkcode WriteResult}.
 * @throws {TableAlreadyExistsError} In mode `error` when the table exists.
 * @throws {SchemaMismatchError} When the frame does not fit the table schema or partitioning.
 * @throws {ValueOutOfRangeError} When a column's values do not fit its table type (for example
 *   a `UInt64` value of 2^63 or more for `long`); nothing is written.
 * @throws {RangeError} When rows of an overwrite do not match its `predicate`.
 * @throws {CommitConflictError} When a concurrent commit conflicts.
 * @throws {TypeError} For an unknown `mode` or `isolationLevel`, or a `predicate` without
 *   mode `overwrite`.
 * @throws {UnsupportedFeatureError} When the table's `delta.isolationLevel` is not
 *   `WriteSerializable` or `Serializable`.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { writeDelta } from "./write_delta.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const storage = new MemoryStorage();
 * const df = pl.DataFrame({ x: [1, 2], p: ["a", "b"] });
 * const r0 = await writeDelta("mem://t", df, { storage, partitionBy: ["p"] });
 * const r1 = await writeDelta("mem://t", df, { storage, mode: "append" });
 * if (r0.version !== 0 || r1.version !== 1 || r1.filesAdded !== 2) throw new Error("bad write");
 * ```
 */
export async function writeDelta(
  uri: string,
  df: DataFrame,
  options: WriteDeltaOptions = {},
): Promise<WriteResult> {
  const mode = options.mode ?? "error";
  if (!["error", "append", "overwrite", "ignore"].includes(mode)) {
    throw new TypeError(
      `Invalid write mode "${mode}": expected error, append, overwrite or ignore`,
    );
  }
  if (
    options.isolationLevel !== undefined &&
    !["WriteSerializable", "Serializable"].includes(options.isolationLevel)
  ) {
    throw new TypeError(
      `Invalid isolation level "${options.isolationLevel}": expected WriteSerializable or Serializable`,
    );
  }
  if (options.predicate !== undefined && mode !== "overwrite") {
    throw new TypeError(`Invalid write options: predicate needs mode "overwrite", got "${mode}"`);
  }
  const storage = storageForUri(uri, options);
  const snapshot = await tryLoadSnapshot(storage);
  if (snapshot && mode === "error") {
    throw new TableAlreadyExistsError(
      `Cannot create table at "${storage.root}": a Delta table exists (version ${snapshot.version}); use mode "append" or "overwrite"`,
    );
  }
  const noop = (version: number): WriteResult => ({
    version,
    filesAdded: 0,
    filesRemoved: 0,
    rowsWritten: 0,
    skipped: true,
  });
  if (snapshot && mode === "ignore") return noop(snapshot.version);
  if (snapshot && options.txn) {
    const done = snapshot.txns.get(options.txn.appId)?.version;
    if (done !== undefined && done >= options.txn.version) return noop(snapshot.version);
  }

  const opName = snapshot ? "WRITE" : "CREATE TABLE";
  const tx = new Transaction(storage, snapshot, {
    operation: opName,
    operationParameters: {
      mode: {
        error: "ErrorIfExists",
        append: "Append",
        overwrite: "Overwrite",
        ignore: "Ignore",
      }[mode],
      partitionBy: snapshot?.partitionColumns ?? options.partitionBy ?? [],
      ...(options.predicate ? { predicate: options.predicate } : {}),
    },
    commitMetadata: options.commitMetadata,
    retry: options.retry,
    isolationLevel: options.isolationLevel,
  });

  let schema: StructType;
  let partitionColumns: string[];
  let metadata: MetadataAction;
  let data: pl.DataFrame;
  if (!snapshot) {
    partitionColumns = options.partitionBy ?? [];
    resolveIsolationLevel(options.configuration); // an unknown delta.isolationLevel fails here
    schema = _schemaOfFrame(df);
    _checkPartitionColumns(schema, partitionColumns);
    data = _castToSchema(df, schema);
    metadata = {
      id: crypto.randomUUID(),
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.description !== undefined ? { description: options.description } : {}),
      format: { provider: "parquet", options: {} },
      schemaString: schemaToJson(schema),
      partitionColumns,
      configuration: options.configuration ?? {},
      createdTime: Date.now(),
    };
    tx.setProtocol(_protocolFor(schema));
    tx.setMetadata(metadata);
  } else {
    partitionColumns = snapshot.partitionColumns;
    if (
      options.partitionBy !== undefined &&
      JSON.stringify(options.partitionBy) !== JSON.stringify(partitionColumns)
    ) {
      throw new SchemaMismatchError(
        `Cannot write to "${storage.root}": partition columns [${
          options.partitionBy.join(", ")
        }] differ from the table's [${partitionColumns.join(", ")}]`,
        options.partitionBy.filter((c) => !partitionColumns.includes(c)),
      );
    }
    const merged = reconcileSchema(snapshot.schema, df, { merge: options.schemaMode === "merge" });
    schema = merged.schema;
    data = merged.df;
    metadata = snapshot.metadata;
    if (merged.changed) {
      metadata = { ...snapshot.metadata, schemaString: schemaToJson(schema) };
      tx.setMetadata(metadata);
      const needed = _protocolFor(schema);
      if (needed.minWriterVersion > snapshot.protocol.minWriterVersion) tx.setProtocol(needed);
    }
  }

  if (options.predicate !== undefined) {
    const expr = filterToExpr(options.predicate, { schema });
    const matching = data.filter(expr).height;
    if (matching !== data.height) {
      throw new RangeError(
        `Cannot overwrite with predicate ${
          JSON.stringify(options.predicate, (_k, v) => typeof v === "bigint" ? String(v) : v)
        }: ${data.height - matching} of ${data.height} rows do not match it`,
      );
    }
  }

  const writeOptions = {
    partitionColumns,
    targetFileSize: options.targetFileSize,
    compression: options.compression,
    configuration: metadata.configuration,
  };
  const adds = await writeDataFiles(storage, data, writeOptions);
  const staged = options.stagedFiles ?? [];
  tx.addFiles([...adds, ...staged]);
  const stagedRows = staged.reduce((n, a) => n + _numRecords(a), 0);

  if (snapshot && mode === "overwrite") {
    if (options.predicate === undefined) {
      tx.readAll();
      for (const f of snapshot.files) tx.removeFile(f);
    } else {
      const rewritten = await _replaceWhere(
        storage,
        snapshot,
        tx,
        options.predicate,
        schema,
        writeOptions,
      );
      tx.addFiles(rewritten);
    }
  }
  if (options.txn) tx.setTxn(options.txn.appId, options.txn.version);
  tx.setMetrics({
    numFiles: adds.length + staged.length,
    numOutputRows: data.height + stagedRows,
    numOutputBytes: [...adds, ...staged].reduce((s, a) => s + a.size, 0),
    numRemovedFiles: tx.removeCount,
  });
  if (
    snapshot && tx.addCount === 0 && tx.removeCount === 0 && !options.txn &&
    metadata === snapshot.metadata
  ) {
    return noop(snapshot.version); // nothing to commit (for example an empty append)
  }
  const result = await tx.commit();
  return {
    version: result.version,
    filesAdded: tx.addCount,
    filesRemoved: tx.removeCount,
    checkpointed: result.checkpointed,
    rowsWritten: data.height + stagedRows,
  };
}

/** The `numRecords` of an `add` action's statistics (0 when it has none). */
function _numRecords(add: AddAction): number {
  if (!add.stats) return 0;
  const n = (JSON.parse(add.stats) as { numRecords?: unknown }).numRecords;
  return typeof n === "number" ? n : 0;
}

/** Options of {@linkcode reconcileSchema}. */
export interface ReconcileSchemaOptions {
  /**
   * Add the frame's new columns to the schema (nullable).
   *
   * @default {false}
   */
  merge?: boolean;
}

/**
 * Fit a frame to a table schema: check types, fill missing nullable columns with nulls, order
 * and cast columns as the schema says, optionally add new columns.
 *
 * @param schema The table schema.
 * @param df The frame to write.
 * @param options See {@linkcode ReconcileSchemaOptions}.
 * @returns The (possibly extended) schema, the conformed frame and whether the schema changed.
 * @throws {ValueOutOfRangeError} When a column's values do not fit its table type.
 * @throws {SchemaMismatchError} Listing the columns that differ in type, are new (without
 *   merge), or are not nullable but missing or holding nulls.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { reconcileSchema } from "./write_delta.ts";
 * const schema = { type: "struct" as const, fields: [{ name: "x", type: "long", nullable: true, metadata: {} }] };
 * const r = reconcileSchema(schema, pl.DataFrame({ x: [1n, 2n], y: ["a", "b"] }), { merge: true });
 * if (!r.changed || r.schema.fields.length !== 2 || r.df.columns.join() !== "x,y") throw new Error("bad merge");
 * ```
 */
export function reconcileSchema(
  schema: StructType,
  df: DataFrame,
  options: ReconcileSchemaOptions = {},
): { schema: StructType; df: DataFrame; changed: boolean } {
  const problems: string[] = [];
  const bad: string[] = [];
  const fields: StructField[] = [...schema.fields];
  const dfSchema = polarsTypesOf(df);
  for (const [name, dtype] of Object.entries(dfSchema)) {
    const field = schema.fields.find((f) => f.name === name);
    const isNull = (dtype.variant as string) === "Null";
    if (!field) {
      if (options.merge) {
        if (isNull) {
          problems.push(`"${name}" is new and all-null (its type cannot be inferred)`);
          bad.push(name);
        } else {
          fields.push({ name, type: polarsToDelta(dtype), nullable: true, metadata: {} });
        }
      } else {
        problems.push(`"${name}" is not in the table schema`);
        bad.push(name);
      }
      continue;
    }
    if (isNull) continue;
    let t: DeltaDataType;
    try {
      t = polarsToDelta(dtype);
    } catch {
      problems.push(`"${name}" has unsupported type ${String(dtype)}`);
      bad.push(name);
      continue;
    }
    if (!_sameType(t, field.type)) {
      problems.push(
        `"${name}" is ${_typeName(t)} in the data but ${_typeName(field.type)} in the table`,
      );
      bad.push(name);
    }
  }
  const notNull = schema.fields.filter((f) => !f.nullable && f.name in dfSchema);
  if (notNull.length > 0 && df.height > 0) {
    const counts = df.select(...notNull.map((f) =>
      pl.col(f.name).nullCount().alias(f.name)
    )).toRecords()[0];
    for (const f of notNull) {
      if (Number(counts[f.name]) > 0) {
        problems.push(`"${f.name}" is not nullable but has ${counts[f.name]} null values`);
        bad.push(f.name);
      }
    }
  }
  for (const f of schema.fields) {
    if (!(f.name in dfSchema) && !f.nullable) {
      problems.push(`"${f.name}" is missing and not nullable`);
      bad.push(f.name);
    }
  }
  if (problems.length > 0) {
    throw new SchemaMismatchError(
      `Cannot write: the data does not fit the table schema: ${problems.join("; ")}${
        options.merge ? "" : ' (use schemaMode "merge" to add new columns)'
      }`,
      bad,
    );
  }
  const out: StructType = { type: "struct", fields };
  return {
    schema: out,
    df: _castToSchema(df, out),
    changed: fields.length !== schema.fields.length,
  };
}

/** Remove the files a replaceWhere predicate covers; return rewrites of partly covered files. */
async function _replaceWhere(
  storage: ObjectStorage,
  snapshot: Snapshot,
  tx: Transaction,
  predicate: Filter,
  schema: StructType,
  writeOptions: Parameters<typeof writeDataFiles>[2],
): Promise<AddAction[]> {
  const partCols = snapshot.partitionColumns;
  const partitionOnly = predicate.every((p) => partCols.includes(p[0]));
  tx.readWhere((add) => fileMayMatch(predicate, add, snapshot.schema, partCols));
  const expr = filterToExpr(predicate, { schema });
  const decided = new Map<string, boolean>();
  const out: AddAction[] = [];
  for (const f of snapshot.files) {
    if (!fileMayMatch(predicate, f, snapshot.schema, partCols)) continue;
    if (partitionOnly) {
      const key = JSON.stringify(f.partitionValues);
      let hit = decided.get(key);
      if (hit === undefined) {
        const row = pl.DataFrame({ __one: [1] }).withColumns(
          ...partitionValuesToExprs(f.partitionValues, {
            schema: snapshot.schema,
            partitionColumns: partCols,
          }),
        );
        hit = row.filter(expr).height === 1;
        decided.set(key, hit);
      }
      if (hit) tx.removeFile(f);
      continue;
    }
    tx.readFile(f);
    const rows = await readDataFile(storage, f, {
      schema: snapshot.schema,
      partitionColumns: partCols,
      version: snapshot.version,
    });
    const keep = rows.filter(expr.not().or(expr.isNull()));
    if (keep.height === rows.height) continue;
    tx.removeFile(f);
    if (keep.height > 0) {
      out.push(...await writeDataFiles(storage, _castToSchema(keep, schema), writeOptions));
    }
  }
  return out;
}

function _schemaOfFrame(df: pl.DataFrame): StructType {
  const fields: StructField[] = [];
  const bad: string[] = [];
  for (const [name, dtype] of Object.entries(polarsTypesOf(df))) {
    try {
      fields.push({ name, type: polarsToDelta(dtype), nullable: true, metadata: {} });
    } catch {
      bad.push(name);
    }
  }
  if (bad.length > 0) {
    throw new SchemaMismatchError(
      `Cannot create table: columns ${
        bad.map((b) => `"${b}"`).join(", ")
      } have types with no Delta equivalent (or are all-null)`,
      bad,
    );
  }
  return { type: "struct", fields };
}

function _checkPartitionColumns(schema: StructType, partitionColumns: string[]): void {
  const bad = partitionColumns.filter((c) => {
    const f = schema.fields.find((x) => x.name === c);
    return !f || typeof f.type !== "string";
  });
  if (bad.length > 0) {
    throw new SchemaMismatchError(
      `Cannot partition by ${
        bad.map((b) => `"${b}"`).join(", ")
      }: missing from the data or not a primitive type`,
      bad,
    );
  }
  if (partitionColumns.length === schema.fields.length && schema.fields.length > 0) {
    throw new SchemaMismatchError(
      "Cannot partition by every column: no data column would remain",
      partitionColumns,
    );
  }
}

function _protocolFor(schema: StructType): ProtocolAction {
  const ntz = JSON.stringify(schema).includes('"timestamp_ntz"');
  return ntz
    ? {
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ["timestampNtz"],
      writerFeatures: ["timestampNtz"],
    }
    : { minReaderVersion: 1, minWriterVersion: 2 };
}

/**
 * Cast every column to its table type, strictly: a value that does not fit (a `UInt64` of 2^63
 * or more for `long`, at any nesting depth) fails the write instead of becoming null.
 */
function _castToSchema(df: pl.DataFrame, schema: StructType): pl.DataFrame {
  // binary columns are Binary already (reconcileSchema checked)
  const exprs = strictSchemaExprs(schema, df.columns);
  try {
    return df.select(...exprs);
  } catch (e) {
    throw _castFailure(df, schema, e);
  }
}

/** The first value (as JSON) whose strict cast fails: a binary search over row prefixes. */
function _firstFailingValue(column: pl.DataFrame, dtype: pl.DataType): string {
  const fails = (n: number) => {
    try {
      column.head(n).select(pl.col(column.columns[0]).cast(dtype, true));
      return false;
    } catch {
      return true;
    }
  };
  let lo = 1, hi = column.height; // the shortest failing prefix is in [lo, hi]
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (fails(mid)) hi = mid;
    else lo = mid + 1;
  }
  const value = column.slice(lo - 1, 1).toRecords()[0][column.columns[0]];
  return JSON.stringify(value, (_k, v) => typeof v === "bigint" ? String(v) : v);
}

/** The {@linkcode ValueOutOfRangeError} of the first column that fails its strict cast. */
function _castFailure(df: pl.DataFrame, schema: StructType, error: unknown): unknown {
  for (const f of schema.fields) {
    if (!df.columns.includes(f.name) || f.type === "binary") continue;
    const dtype = deltaToPolars(f.type);
    const c = pl.col(f.name);
    try {
      df.select(c.cast(dtype, true));
      continue;
    } catch { /* this column */ }
    let sample: string | undefined;
    try {
      // top level: a value that the lenient cast turns into null
      const lost = df.filter(c.isNotNull().and(c.cast(dtype).isNull())).head(1);
      sample = lost.height ? String(lost.select(c.cast(pl.Utf8)).row(0)[0]) : undefined;
    } catch { /* not castable to text */ }
    sample ??= _firstFailingValue(df.select(c), dtype);
    return new ValueOutOfRangeError(f.name, _typeName(f.type), sample, { cause: error });
  }
  return error;
}

function _stripNullability(t: DeltaDataType): unknown {
  if (typeof t === "string") return t;
  if (t.type === "struct") return { s: t.fields.map((f) => [f.name, _stripNullability(f.type)]) };
  if (t.type === "array") return { a: _stripNullability(t.elementType) };
  return { m: [_stripNullability(t.keyType), _stripNullability(t.valueType)] };
}

function _sameType(a: DeltaDataType, b: DeltaDataType): boolean {
  return JSON.stringify(_stripNullability(a)) === JSON.stringify(_stripNullability(b));
}

function _typeName(t: DeltaDataType): string {
  return typeof t === "string" ? t : JSON.stringify(t);
}
