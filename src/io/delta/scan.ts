/**
 * Scanning a snapshot into a Polars `LazyDataFrame`.
 *
 * The Delta log supplies metadata only; Polars reads the Parquet. For each live file that
 * may match the filter (see `file_skipping.ts`):
 * - local storage: `pl.scanParquet(path)` (lazy, projection and predicate pushdown); object
 *   storage Polars can reach itself (`polarsSource`: an `s3://` URI and its `cloudOptions`):
 *   the same scan through Polars' object store (ranged reads of only the needed columns and
 *   row groups); other storage: the bytes are read and `pl.readParquet(bytes).lazy()`;
 * - when a requested column is a timestamp, the file footer is read first; a file storing
 *   legacy INT96 timestamps is read eagerly with those columns decoded exactly at microsecond
 *   precision (`parquet_int96.ts`), since Polars overflows them outside 1677..2262;
 * - rows marked by the file's deletion vector are removed (by row position, before anything
 *   else);
 * - each requested column is taken by its physical name, cast to the table type (type
 *   widening; nested fields missing in older files become null), renamed to its logical
 *   name; columns the file lacks (schema evolution) are all null;
 * - partition columns hold the log's `partitionValues`, never values taken from folder names
 *   (the fast path below reads folder names only where they provably spell those values).
 *
 * The per-file frames are concatenated (`pl.concat(..., { how: "diagonal" })`), the exact
 * filter is applied on top, and the requested columns are selected.
 *
 * Fast path: when every selected file is a plain Parquet file Polars reads itself (local, or
 * through its object store with one set of cloud options; no deletion vector), the
 * table has no column mapping and no type widening, and every needed data column is a
 * primitive that files must store with the table type (see `trustPrimitiveTypes` in
 * `column_mapping.ts`), the files are read by one Polars scan of the exact file list instead
 * (see `multi_file_scan.ts`): no per-file footer reads at plan time, one parallel scan at
 * collect, about as fast as Polars reading the files directly. That scan is given the table
 * types, inserts columns a file lacks as nulls, ignores extra file columns, and widens
 * narrower integers and floats losslessly; a file storing a column with another type (a
 * non-conforming writer) fails the collect with a Polars error rather than returning mixed
 * types. When a partition column is needed, the one scan reads the partition values from the
 * folder names (Polars' hive partitioning) if every file's folders provably hold exactly the
 * log's values (see `hive_partition_schema.ts`); otherwise there is one scan per run of
 * consecutive files with equal partition values, the log's values added as literals. When
 * Polars' plan is not of the expected shape the per-file frames are used.
 *
 * @module
 */
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import type { AddAction } from "./actions.ts";
import { isPassThrough, logicalColumnExpr } from "./column_mapping.ts";
import {
  asMissingDataFile,
  assertLocalDataFilesPresent,
  type DataFileContext,
  localDataPath,
} from "./data_file_presence.ts";
import { readDeletionVector, removeDeletedRows } from "./deletion_vector.ts";
import { fileMayMatch } from "./file_skipping.ts";
import { decodeInt96Columns, footerBlockLength, int96Layout } from "./parquet_int96.ts";
import { hasReaderFeature } from "./protocol_check.ts";
import { hivePartitionSchema } from "./hive_partition_schema.ts";
import { multiFileScan } from "./multi_file_scan.ts";
import { partitionValuesToExprs } from "./partition_values.ts";
import { type Filter, filterColumns, filterToExpr, validateFilter } from "./predicate.ts";
import {
  columnMappingMode,
  containsBinary,
  deltaToPolars,
  physicalName,
  type StructField,
} from "./schema.ts";
import type { Snapshot } from "./snapshot.ts";
import type { ObjectStorage, PolarsSource } from "./storage.ts";

/** Options of a scan. */
export interface ScanOptions {
  /**
   * Columns to return, in this order; all schema columns (schema order) when absent.
   *
   * @default {undefined}
   */
  columns?: string[];
  /**
   * Rows to keep: an AND of predicates, used to skip files and then applied exactly.
   *
   * @default {[]}
   */
  filter?: Filter;
}

/** Options of {@linkcode scanSnapshot} beyond {@linkcode ScanOptions}. */
export interface ScanSnapshotOptions extends ScanOptions {
  /**
   * The table root (local path or URI), for absolute DV and data file paths.
   *
   * @default {storage.localPath?.("") ?? storage.root}
   */
  tableRoot?: string;
}

/**
 * The live files a filtered scan reads: those {@linkcode fileMayMatch} keeps.
 *
 * @param snapshot The snapshot.
 * @param filter The filter; every live file when empty.
 * @returns The selected `add` actions, in snapshot order.
 * @throws {TypeError} When the filter is malformed.
 *
 * @example
 * ```ts
 * import { selectFiles } from "./scan.ts";
 * const schema = { type: "struct" as const, fields: [{ name: "p", type: "string", nullable: true, metadata: {} }] };
 * const f = (p: string) => ({ path: `p=${p}/f.parquet`, partitionValues: { p }, size: 1, modificationTime: 0, dataChange: true });
 * const snap = { schema, partitionColumns: ["p"], files: [f("a"), f("b")] };
 * if (selectFiles(snap, [["p", "=", "b"]]).length !== 1) throw new Error("one file expected");
 * ```
 */
export function selectFiles(
  snapshot: Pick<Snapshot, "schema" | "partitionColumns" | "files">,
  filter: Filter = [],
): AddAction[] {
  validateFilter(filter);
  if (filter.length === 0) return snapshot.files;
  return snapshot.files.filter((add) =>
    fileMayMatch(filter, add, snapshot.schema, snapshot.partitionColumns)
  );
}

function _isAbsolute(path: string): boolean {
  return path.startsWith("/") || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path);
}

/** Whether two files' cloud options are the same (one scan can read both). */
function _sameOptions(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function _emptyFrame(fields: StructField[]): pl.DataFrame {
  // literal nulls typed as the schema, on a one-row frame, then no rows
  const exprs = fields.map((f) => logicalColumnExpr(f, { present: false }));
  return pl.DataFrame({ __pointline_empty: [0] }).select(...exprs).head(0);
}

const _TAIL_GUESS = 64 * 1024;

/**
 * A data file path is a literal path (never a glob: `[`, `*` and `?` are legal in partition
 * values), and partition values come from the log, never from `key=value` folder names.
 */
const _SCAN_OPTIONS = { glob: false, hivePartitioning: false } as const;

/** Read a data file (or a byte range of it): storage key, or an absolute local path. */
async function _readData(
  storage: ObjectStorage,
  path: string,
  range?: { start: number; end: number },
): Promise<Uint8Array> {
  if (!_isAbsolute(path)) return await storage.read(path, range);
  const local = path.startsWith("file:") ? fileURLToPath(path) : path;
  const bytes = await Deno.readFile(local);
  return range ? bytes.subarray(range.start, range.end) : bytes;
}

/**
 * When a file stores INT96 timestamps, read it eagerly with those columns decoded exactly at
 * microsecond precision (Polars would overflow nanoseconds outside 1677..2262).
 */
async function _int96Frame(
  storage: ObjectStorage,
  add: AddAction,
): Promise<pl.LazyDataFrame | undefined> {
  const size = add.size > 0 ? add.size : (await storage.head(add.path)).size;
  let tail = await _readData(storage, add.path, {
    start: Math.max(0, size - _TAIL_GUESS),
    end: size,
  });
  const need = footerBlockLength(tail);
  if (need > tail.length) {
    tail = await _readData(storage, add.path, { start: Math.max(0, size - need), end: size });
  }
  if (!int96Layout(tail)) return undefined;
  const bytes = await _readData(storage, add.path);
  const layout = int96Layout(bytes)!;
  const decoded = decodeInt96Columns(bytes, layout);
  let df = pl.readParquet(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const fixed = [...decoded].map(([name, values]) =>
    pl.Series(name, values.map((v) => (v === null ? null : String(v))), pl.Utf8)
      .cast(pl.Int64)
      .cast(pl.Datetime("us"))
  );
  df = df.withColumns(...fixed);
  return df.lazy();
}

/**
 * Where Polars can read a data file itself (a local path, or an object-store URI with its
 * `cloudOptions` from the storage's `polarsSource`), or `undefined` when only the storage can
 * read it.
 */
function _dataSource(storage: ObjectStorage, path: string): PolarsSource | undefined {
  const local = localDataPath(storage, path);
  if (local !== undefined) return { path: local };
  return _isAbsolute(path) ? undefined : storage.polarsSource?.(path);
}

function _scanSource(source: PolarsSource): pl.LazyDataFrame {
  return pl.scanParquet(
    source.path,
    source.cloudOptions ? { ..._SCAN_OPTIONS, cloudOptions: source.cloudOptions } : _SCAN_OPTIONS,
  );
}

/** The lazy frame of one data file's raw columns (deleted rows removed). */
async function _fileFrame(
  storage: ObjectStorage,
  add: AddAction,
  tableRoot: string,
  checkInt96: boolean,
  context: DataFileContext,
): Promise<pl.LazyDataFrame> {
  try {
    return await _readFileFrame(storage, add, tableRoot, checkInt96);
  } catch (e) {
    throw await asMissingDataFile(e, storage, add.path, context);
  }
}

async function _readFileFrame(
  storage: ObjectStorage,
  add: AddAction,
  tableRoot: string,
  checkInt96: boolean,
): Promise<pl.LazyDataFrame> {
  let lf = checkInt96 ? await _int96Frame(storage, add) : undefined;
  if (!lf) {
    const source = _dataSource(storage, add.path);
    if (source) lf = _scanSource(source);
    else if (_isAbsolute(add.path)) {
      throw new TypeError(
        `Cannot read data file "${add.path}": only local absolute paths are supported`,
      );
    } else lf = pl.readParquet(Buffer.from(await storage.read(add.path))).lazy();
  }
  if (add.deletionVector && add.deletionVector.cardinality > 0) {
    const deleted = await readDeletionVector(storage, add.deletionVector, { tableRoot });
    lf = removeDeletedRows(lf, deleted);
  }
  return lf;
}

/**
 * Build the lazy scan of a snapshot.
 *
 * @param storage Storage rooted at the table.
 * @param snapshot The snapshot to read.
 * @param options Columns, filter, table root.
 * @returns The lazy frame and the files it reads.
 * @throws {TypeError} When a requested or filtered column is not in the schema, or the filter
 *   is malformed.
 * @throws {CorruptLogError} For an invalid partition value or deletion vector.
 * @throws {MissingDataFileError} When a live data file is missing from storage.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "./memory_storage.ts";
 * const s = new MemoryStorage();
 * const commit = (v: number, lines: unknown[]) =>
 *   s.put(`_delta_log/${String(v).padStart(20, "0")}.json`, new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join("\n")));
 * await commit(0, [
 *   { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
 *   { metaData: { id: "t", format: { provider: "parquet", options: {} }, partitionColumns: [], configuration: {},
 *     schemaString: '{"type":"struct","fields":[{"name":"x","type":"long","nullable":true,"metadata":{}}]}' } },
 * ]);
 *
 * import { loadSnapshot } from "./snapshot.ts";
 * import { scanSnapshot } from "./scan.ts";
 * const { frame, files } = await scanSnapshot(s, await loadSnapshot(s), { filter: [["x", ">", 1]] });
 * if (files.length !== 0 || (await frame.collect()).height !== 0) throw new Error("empty table");
 * ```
 */
export async function scanSnapshot(
  storage: ObjectStorage,
  snapshot: Snapshot,
  options: ScanSnapshotOptions = {},
): Promise<{ frame: pl.LazyDataFrame; files: AddAction[] }> {
  const filter = options.filter ?? [];
  const files = selectFiles(snapshot, filter);
  const schema = snapshot.schema;
  const byName = new Map(schema.fields.map((f) => [f.name, f]));
  const wanted = options.columns ?? schema.fields.map((f) => f.name);
  for (const c of [...wanted, ...filterColumns(filter)]) {
    if (!byName.has(c)) {
      throw new TypeError(
        `Unknown column "${c}": not in the table schema (${[...byName.keys()].join(", ")})`,
      );
    }
  }
  const neededSet = new Set([...wanted, ...filterColumns(filter)]);
  const needed = schema.fields.filter((f) => neededSet.has(f.name));
  const mode = columnMappingMode(snapshot.metadata.configuration);
  const partSet = new Set(snapshot.partitionColumns);
  const partNeeded = snapshot.partitionColumns.filter((c) => neededSet.has(c));
  const tableRoot = options.tableRoot ?? storage.localPath?.("") ?? storage.root;
  const context = { table: tableRoot, version: snapshot.version };
  await assertLocalDataFilesPresent(storage, files, context);
  // without type widening, conforming writers store primitives with the table type: no casts
  const trustPrimitives = !hasReaderFeature(snapshot.protocol, "typeWidening") &&
    !hasReaderFeature(snapshot.protocol, "typeWidening-preview") &&
    !(snapshot.protocol.writerFeatures ?? []).some((f) => f.startsWith("typeWidening")) &&
    !snapshot.metadata.schemaString.includes("delta.typeChanges");

  // legacy INT96 timestamps can only be read exactly by decoding them: check footers only
  // when a needed column is a timestamp
  const checkInt96 = needed.some((f) =>
    !partSet.has(f.name) && (f.type === "timestamp" || f.type === "timestamp_ntz")
  );
  // data-column expressions depend only on which columns a file has: build them once per set
  const dataFields = needed.filter((f) => !partSet.has(f.name));
  const plans = new Map<string, { exprs: pl.Expr[]; passThrough: boolean }>();
  const planFor = (columns: string[]) => {
    const key = columns.join("\u0000");
    let plan = plans.get(key);
    if (!plan) {
      const present = new Set(columns);
      const opts = (f: StructField) => ({
        mode,
        present: present.has(physicalName(f, mode)),
        trustPrimitiveTypes: trustPrimitives,
      });
      plan = {
        exprs: dataFields.map((f) => logicalColumnExpr(f, opts(f))),
        passThrough: dataFields.every((f) => isPassThrough(f, opts(f))) &&
          columns.length === dataFields.length &&
          columns.every((c, i) => c === dataFields[i].name),
      };
      plans.set(key, plan);
    }
    return plan;
  };
  const frames = _fastFrames() ?? await Promise.all(files.map(async (add) => {
    let lf = await _fileFrame(storage, add, tableRoot, checkInt96, context);
    const plan = planFor(lf.columns);
    const partExprs = partNeeded.length
      ? partitionValuesToExprs(add.partitionValues, { schema, partitionColumns: partNeeded })
      : [];
    if (plan.passThrough && partExprs.length === 0) return lf;
    if (!plan.passThrough) lf = lf.select(...plan.exprs);
    if (partExprs.length) {
      lf = lf.withColumns(...partExprs);
      const order = needed.map((f) => f.name);
      const tail = [...dataFields.map((f) => f.name), ...partNeeded];
      if (order.some((c, i) => c !== tail[i])) lf = lf.select(...order);
    }
    return lf;
  }));

  /**
   * The fast path (see the module doc): one scan per run of consecutive files with the same
   * partition values (one scan in all when no partition column is needed), so the snapshot's
   * file order is kept; `undefined` when it does not apply.
   */
  function _fastFrames(): pl.LazyDataFrame[] | undefined {
    const eligible = files.length > 0 && mode === "none" && trustPrimitives &&
      (dataFields.length > 0 || partNeeded.length > 0) &&
      dataFields.every((f) =>
        !containsBinary(f.type) &&
        isPassThrough(f, { mode, present: true, trustPrimitiveTypes: true })
      ) &&
      files.every((add) => !add.deletionVector);
    if (!eligible) return undefined;
    const paths: string[] = [];
    let cloudOptions: Record<string, string> | undefined;
    for (const add of files) {
      const source = _dataSource(storage, add.path);
      if (source === undefined) return undefined;
      if (paths.length === 0) cloudOptions = source.cloudOptions;
      else if (!_sameOptions(source.cloudOptions, cloudOptions)) return undefined;
      paths.push(source.path);
    }
    const types = Object.fromEntries(dataFields.map((f) => [f.name, deltaToPolars(f.type)]));
    const order = needed.map((f) => f.name);
    const scanned = [...dataFields.map((f) => f.name), ...partNeeded];
    const reorder = order.some((c, i) => c !== scanned[i]);
    if (partNeeded.length) {
      // one scan in all when every folder name provably holds the log's partition values
      const hive = hivePartitionSchema(paths, files, {
        schema,
        partitionColumns: snapshot.partitionColumns,
      });
      const lf = hive && multiFileScan(paths, types, { hivePartitions: hive, cloudOptions });
      if (lf) {
        const all = [...dataFields.map((f) => f.name), ...snapshot.partitionColumns];
        return [
          order.length === all.length && !order.some((c, i) => c !== all[i])
            ? lf
            : lf.select(...order),
        ];
      }
    }
    // a scan of no data columns is only known to keep the files' row counts with hive columns
    if (dataFields.length === 0) return undefined;
    const runs: { first: AddAction; paths: string[] }[] = [];
    let lastKey: string | undefined;
    files.forEach((add, i) => {
      const key = partNeeded.length
        ? JSON.stringify(Object.entries(add.partitionValues ?? {}).sort())
        : "";
      if (runs.length > 0 && key === lastKey) runs[runs.length - 1].paths.push(paths[i]);
      else runs.push({ first: add, paths: [paths[i]] });
      lastKey = key;
    });
    const out: pl.LazyDataFrame[] = [];
    for (const run of runs) {
      let lf = multiFileScan(run.paths, types, { cloudOptions });
      if (!lf) return undefined;
      if (partNeeded.length) {
        lf = lf.withColumns(
          ...partitionValuesToExprs(run.first.partitionValues, {
            schema,
            partitionColumns: partNeeded,
          }),
        );
        if (reorder) lf = lf.select(...order);
      }
      out.push(lf);
    }
    return out;
  }

  let frame: pl.LazyDataFrame = frames.length === 0
    ? _emptyFrame(needed).lazy()
    : frames.length === 1
    ? frames[0]
    : pl.concat(frames, { how: "diagonal", rechunk: false });
  if (filter.length > 0) frame = frame.filter(filterToExpr(filter, { schema }));
  const sameOrder = wanted.length === needed.length &&
    wanted.every((c, i) => needed[i].name === c);
  if (!sameOrder) frame = frame.select(...wanted);
  return { frame, files };
}
