/**
 * Reading checkpoints: classic single-file and multi-part Parquet checkpoints, V2 (UUID-named)
 * checkpoints in Parquet or JSON, and the sidecar files they point to.
 *
 * Parquet checkpoints are read with nodejs-polars and converted to actions a whole column at
 * a time (never row by row through Polars). Polars reads the Parquet MAP columns
 * (`partitionValues`, `tags`, `configuration`, `format.options`) as
 * `List(Struct{key, value})`; they become plain records. Columns pointline does not need
 * (`stats_parsed`, `partitionValues_parsed`) are never collected, so their types (decimal,
 * binary) cannot break the conversion.
 *
 * @module
 */
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import { type Action, parseActions } from "./actions.ts";
import { CorruptLogError } from "./errors.ts";
import type { LogFile } from "./log_segment.ts";
import type { ObjectStorage } from "./storage.ts";

type _FieldKind = "scalar" | "map" | { [field: string]: _FieldKind };

const _DV: _FieldKind = {
  storageType: "scalar",
  pathOrInlineDv: "scalar",
  offset: "scalar",
  sizeInBytes: "scalar",
  cardinality: "scalar",
};

const _SPECS: Record<string, { [field: string]: _FieldKind }> = {
  add: {
    path: "scalar",
    partitionValues: "map",
    size: "scalar",
    modificationTime: "scalar",
    dataChange: "scalar",
    stats: "scalar",
    tags: "map",
    deletionVector: _DV,
    baseRowId: "scalar",
    defaultRowCommitVersion: "scalar",
    clusteringProvider: "scalar",
  },
  remove: {
    path: "scalar",
    deletionTimestamp: "scalar",
    dataChange: "scalar",
    extendedFileMetadata: "scalar",
    partitionValues: "map",
    size: "scalar",
    stats: "scalar",
    tags: "map",
    deletionVector: _DV,
    baseRowId: "scalar",
    defaultRowCommitVersion: "scalar",
  },
  metaData: {
    id: "scalar",
    name: "scalar",
    description: "scalar",
    format: { provider: "scalar", options: "map" },
    schemaString: "scalar",
    partitionColumns: "scalar",
    configuration: "map",
    createdTime: "scalar",
  },
  protocol: {
    minReaderVersion: "scalar",
    minWriterVersion: "scalar",
    readerFeatures: "scalar",
    writerFeatures: "scalar",
  },
  txn: { appId: "scalar", version: "scalar", lastUpdated: "scalar" },
  domainMetadata: { domain: "scalar", configuration: "scalar", removed: "scalar" },
  checkpointMetadata: { version: "scalar", tags: "map" },
  sidecar: { path: "scalar", sizeInBytes: "scalar", modificationTime: "scalar", tags: "map" },
};

/** Fields that must be present (not null) for an action to count. */
const _REQUIRED: Record<string, string> = {
  add: "path",
  remove: "path",
  metaData: "id",
  protocol: "minReaderVersion",
  txn: "appId",
  domainMetadata: "domain",
  checkpointMetadata: "version",
  sidecar: "path",
};

/** Fields whose nulls must be kept as such (other null fields are dropped). */
const _KEEP_NULL = new Set(["partitionValues", "configuration"]);

function _mapToRecord(v: unknown): Record<string, string | null> | null {
  if (v === null || v === undefined) return null;
  const out: Record<string, string | null> = {};
  for (const kv of v as { key: string; value: string | null }[]) out[kv.key] = kv.value ?? null;
  return out;
}

function _toJsNumber(v: unknown): unknown {
  return typeof v === "bigint" ? Number(v) : v;
}

/** Convert the struct column `col` of `df` (already filtered to non-null rows) to objects. */
function _structToObjects(
  df: pl.DataFrame,
  col: string,
  spec: { [field: string]: _FieldKind },
): Record<string, unknown>[] {
  const sub = df.select(col).unnest(col);
  const n = sub.height;
  const out: Record<string, unknown>[] = Array.from({ length: n }, () => ({}));
  const present = new Set(sub.columns);
  for (const [field, kind] of Object.entries(spec)) {
    if (!present.has(field)) continue;
    const column = sub.getColumn(field);
    // fast paths: an all-null column converts to nothing, an all-empty map to `{}`
    if (column.nullCount() === n) {
      if (_KEEP_NULL.has(field)) {
        for (let i = 0; i < n; i++) {
          out[i][field] = kind === "map" ? {} : null;
        }
      }
      continue;
    }
    if (kind === "map" && column.nullCount() === 0 && Number(column.list.lengths().max()) === 0) {
      for (let i = 0; i < n; i++) out[i][field] = {};
      continue;
    }
    let values: unknown[];
    if (kind === "scalar") {
      values = column.toArray() as unknown[];
      values = values.map((v) =>
        Array.isArray(v) ? v : (v as { toArray?: () => unknown[] })?.toArray?.() ?? v
      );
    } else if (kind === "map") {
      values = (column.toArray() as unknown[]).map(_mapToRecord);
    } else {
      const isNull = sub.getColumn(field).isNull().toArray() as boolean[];
      const inner = _structToObjects(sub.select(field), field, kind);
      values = inner.map((o, i) => (isNull[i] ? null : o));
    }
    for (let i = 0; i < n; i++) {
      const v = _toJsNumber(values[i]);
      if (v === null || v === undefined) {
        if (_KEEP_NULL.has(field)) out[i][field] = kind === "map" ? {} : null;
        continue;
      }
      out[i][field] = v;
    }
  }
  return out;
}

/**
 * Convert a checkpoint read by Polars to actions, a column at a time.
 *
 * @param df The checkpoint as a DataFrame (one struct column per action type).
 * @returns The actions (grouped by type, not in file order: checkpoint order is irrelevant).
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { checkpointFrameToActions } from "./checkpoint_reader.ts";
 * const df = pl.DataFrame({ a: [1, 2] }).select(
 *   pl.struct([pl.lit("app").alias("appId"), pl.col("a").cast(pl.Int64).alias("version")]).alias("txn"),
 * );
 * const actions = checkpointFrameToActions(df);
 * if (actions.length !== 2 || !("txn" in actions[1]) || actions[1].txn.version !== 2) throw new Error("bad");
 * ```
 */
export function checkpointFrameToActions(df: pl.DataFrame): Action[] {
  const out: Action[] = [];
  const cols = new Set(df.columns);
  for (const [name, spec] of Object.entries(_SPECS)) {
    if (!cols.has(name)) continue;
    const rows = df.filter(pl.col(name).isNotNull());
    if (rows.height === 0) continue;
    const objs = _structToObjects(rows, name, spec);
    const req = _REQUIRED[name];
    for (const o of objs) {
      if (o[req] === undefined) continue;
      if (name === "add" || name === "remove") {
        o.partitionValues ??= {};
        if (name === "add") {
          o.dataChange ??= false;
        }
      }
      if (name === "metaData") {
        o.configuration ??= {};
        o.partitionColumns ??= [];
        o.format ??= { provider: "parquet", options: {} };
        const f = o.format as { options?: unknown };
        f.options ??= {};
      }
      if (name === "domainMetadata") o.removed ??= false;
      out.push({ [name]: o } as unknown as Action);
    }
  }
  return out;
}

/**
 * Read one checkpoint or sidecar file (Parquet or JSON) into actions.
 *
 * @param storage Storage rooted at the table.
 * @param path Key of the file.
 * @param format `parquet` or `json`.
 * @returns Its actions.
 * @throws {CorruptLogError} When the file cannot be read or parsed.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "./memory_storage.ts";
 * import { readCheckpointFile } from "./checkpoint_reader.ts";
 * const s = new MemoryStorage();
 * await s.put("_delta_log/00000000000000000002.checkpoint.0c6b2d9c-1a2b-4c3d-8e9f-001122334455.json",
 *   new TextEncoder().encode('{"checkpointMetadata":{"version":2}}\n{"txn":{"appId":"a","version":1}}'));
 * const actions = await readCheckpointFile(s, "_delta_log/00000000000000000002.checkpoint.0c6b2d9c-1a2b-4c3d-8e9f-001122334455.json", "json");
 * if (actions.length !== 2) throw new Error("two actions expected");
 * ```
 */
export async function readCheckpointFile(
  storage: ObjectStorage,
  path: string,
  format: "parquet" | "json",
): Promise<Action[]> {
  let bytes: Uint8Array;
  try {
    bytes = await storage.read(path);
  } catch (cause) {
    throw new CorruptLogError(`Cannot read checkpoint "${path}": file is missing`, { cause });
  }
  if (format === "json") return parseActions(new TextDecoder().decode(bytes), path);
  if (bytes.length === 0) {
    throw new CorruptLogError(`Cannot read checkpoint "${path}": file is empty`);
  }
  let df: pl.DataFrame;
  try {
    df = pl.readParquet(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (cause) {
    throw new CorruptLogError(`Cannot read checkpoint "${path}": not a readable Parquet file`, {
      cause,
    });
  }
  return checkpointFrameToActions(df);
}

/**
 * Read every file of a checkpoint (all parts of a multi-part one), in parallel.
 *
 * @param storage Storage rooted at the table.
 * @param files The checkpoint's files from the log segment.
 * @returns All their actions.
 * @throws {CorruptLogError} When a part cannot be read.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "./memory_storage.ts";
 * import { readCheckpoint } from "./checkpoint_reader.ts";
 * let failed = false;
 * try {
 *   await readCheckpoint(new MemoryStorage(), [{ kind: "checkpoint", version: 1, path: "_delta_log/00000000000000000001.checkpoint.parquet", size: 0, lastModified: 0 }]);
 * } catch (e) { failed = (e as Error).name === "CorruptLogError"; }
 * if (!failed) throw new Error("a missing part is a CorruptLogError");
 * ```
 */
export async function readCheckpoint(storage: ObjectStorage, files: LogFile[]): Promise<Action[]> {
  const parts = await Promise.all(
    files.map((f) => readCheckpointFile(storage, f.path, f.format ?? "parquet")),
  );
  return parts.flat();
}

/**
 * The key of a sidecar file named by a V2 checkpoint's `sidecar` action: relative paths live
 * in `_delta_log/_sidecars/`.
 *
 * @param path The `sidecar.path` value.
 * @returns The key relative to the table root (or the absolute path as given).
 *
 * @example
 * ```ts
 * import { sidecarKey } from "./checkpoint_reader.ts";
 * if (sidecarKey("a.parquet") !== "_delta_log/_sidecars/a.parquet") throw new Error("bad");
 * ```
 */
export function sidecarKey(path: string): string {
  const p = decodeURIComponent(path);
  if (p.includes("://") || p.startsWith("/")) return p;
  return `_delta_log/_sidecars/${p}`;
}
