/**
 * Classic single-file Delta checkpoints: `_delta_log/<version>.checkpoint.parquet` plus
 * `_delta_log/_last_checkpoint`.
 *
 * The checkpoint holds one row per action of the table state at a version (protocol, metadata,
 * live `add` files, unexpired `remove` tombstones, `txn` per app id, domain metadata), each in
 * its own nullable struct column, with the schema of the protocol's "Checkpoint Schema":
 * Paths are written URI-encoded, as in commits (snapshot paths are decoded).
 * `partitionValues`, `configuration`, `tags` and `format.options` are Parquet MAP columns
 * (string to string) in the spec's layout, as Spark and delta-rs write them: a repeated group
 * `key_value` holding a required `key` and an optional `value`. Polars cannot write MAP
 * columns, so the table is built with `apache-arrow` and written with `parquet-wasm` (snappy).
 *
 * Checkpoints are written on demand ({@linkcode writeCheckpoint}) and by writers after every
 * commit whose version is a multiple of `delta.checkpointInterval` (default 100, see
 * {@linkcode shouldCheckpoint}).
 *
 * @module
 */
import * as arrow from "apache-arrow";
import init, * as pw from "parquet-wasm/esm";
import { createRequire } from "node:module";
import type {
  AddAction,
  DomainMetadataAction,
  MetadataAction,
  ProtocolAction,
  RemoveAction,
  TxnAction,
} from "./actions.ts";
import type { ObjectStorage } from "./storage.ts";
import { encodeActionPath } from "./partition_path.ts";
import { loadSnapshot } from "./snapshot.ts";

/** The table state a checkpoint captures; a reader `Snapshot` satisfies it. */
export interface CheckpointState {
  /** The version the state is at. */
  version: number;
  /** Current protocol. */
  protocol: ProtocolAction;
  /** Current metadata. */
  metadata: MetadataAction;
  /** Live files. */
  files: AddAction[];
  /** Unexpired tombstones. */
  tombstones: RemoveAction[];
  /** Latest `txn` per app id. */
  txns: Map<string, TxnAction>;
  /** Domain metadata by domain (optional). */
  domainMetadata?: Map<string, DomainMetadataAction>;
}

/** The content of `_delta_log/_last_checkpoint`. */
export interface LastCheckpoint {
  /** Checkpoint version. */
  version: number;
  /** Number of actions (rows) in the checkpoint. */
  size: number;
  /** Size of the checkpoint file in bytes. */
  sizeInBytes: number;
  /** Number of `add` rows. */
  numOfAddFiles: number;
}

/** The default `delta.checkpointInterval`. */
export const DEFAULT_CHECKPOINT_INTERVAL = 100;

/**
 * The name of the classic checkpoint file of a version.
 *
 * @param version Table version.
 * @returns `_delta_log/<20-digit version>.checkpoint.parquet`.
 * @example
 * ```ts
 * import { checkpointPath } from "./checkpoint_writer.ts";
 * if (checkpointPath(10) !== "_delta_log/00000000000000000010.checkpoint.parquet") throw new Error();
 * ```
 */
export function checkpointPath(version: number): string {
  return `_delta_log/${String(version).padStart(20, "0")}.checkpoint.parquet`;
}

/**
 * Whether a commit at `version` should be followed by a checkpoint.
 *
 * @param version The version just committed.
 * @param configuration Table configuration (`delta.checkpointInterval`).
 * @returns True when `version > 0` and divisible by the interval (default 100).
 * @example
 * ```ts
 * import { shouldCheckpoint } from "./checkpoint_writer.ts";
 * if (!shouldCheckpoint(100, {}) || shouldCheckpoint(5, {})) throw new Error("default 100");
 * if (!shouldCheckpoint(5, { "delta.checkpointInterval": "5" })) throw new Error("custom");
 * ```
 */
export function shouldCheckpoint(version: number, configuration: Record<string, string>): boolean {
  const raw = Number(configuration["delta.checkpointInterval"] ?? DEFAULT_CHECKPOINT_INTERVAL);
  const interval = Number.isInteger(raw) && raw > 0 ? raw : DEFAULT_CHECKPOINT_INTERVAL;
  return version > 0 && version % interval === 0;
}

/**
 * Whether a checkpoint due at or before `version` was never written: the newest multiple of
 * `delta.checkpointInterval` at or below `version` is above the newest checkpoint. A writer
 * killed between its commit and its checkpoint leaves the table so; the next commit catches up.
 *
 * @param version The version just committed.
 * @param lastCheckpoint The newest checkpoint's version at or below `version`, `-1` for none.
 * @param configuration Table configuration (`delta.checkpointInterval`).
 * @returns True when a checkpoint is due at `version` or was skipped before it.
 * @example
 * ```ts
 * import { checkpointOverdue } from "./checkpoint_writer.ts";
 * const every2 = { "delta.checkpointInterval": "2" };
 * if (!checkpointOverdue(3, 0, every2)) throw new Error("the one at 2 was skipped");
 * if (checkpointOverdue(3, 2, every2)) throw new Error("the one at 2 exists");
 * ```
 */
export function checkpointOverdue(
  version: number,
  lastCheckpoint: number,
  configuration: Record<string, string>,
): boolean {
  const raw = Number(configuration["delta.checkpointInterval"] ?? DEFAULT_CHECKPOINT_INTERVAL);
  const interval = Number.isInteger(raw) && raw > 0 ? raw : DEFAULT_CHECKPOINT_INTERVAL;
  const due = version - (version % interval);
  return due > 0 && due > lastCheckpoint;
}

/**
 * Encode a table state as checkpoint Parquet bytes.
 *
 * @param state The table state at one version.
 * @returns The Parquet bytes and the number of rows / add rows.
 * @example
 * ```ts
 * import { encodeCheckpoint } from "./checkpoint_writer.ts";
 * const { bytes, rows } = await encodeCheckpoint({
 *   version: 0,
 *   protocol: { minReaderVersion: 1, minWriterVersion: 2 },
 *   metadata: { id: "x", format: { provider: "parquet", options: {} }, schemaString: '{"type":"struct","fields":[]}', partitionColumns: [], configuration: {} },
 *   files: [], tombstones: [], txns: new Map(),
 * });
 * if (rows !== 2 || bytes.length === 0) throw new Error("protocol + metadata rows expected");
 * ```
 */
export async function encodeCheckpoint(
  state: CheckpointState,
): Promise<{ bytes: Uint8Array; rows: number; addRows: number }> {
  await _initParquetWasm();
  const rows: Record<string, unknown>[] = [];
  const blank = {
    txn: null,
    add: null,
    remove: null,
    metaData: null,
    protocol: null,
    domainMetadata: null,
  };
  rows.push({ ...blank, protocol: _protocolRow(state.protocol) });
  rows.push({ ...blank, metaData: _metadataRow(state.metadata) });
  for (const t of state.txns.values()) {
    rows.push({
      ...blank,
      txn: { appId: t.appId, version: BigInt(t.version), lastUpdated: _long(t.lastUpdated) },
    });
  }
  for (const d of state.domainMetadata?.values() ?? []) {
    if (d.removed) continue;
    rows.push({
      ...blank,
      domainMetadata: { domain: d.domain, configuration: d.configuration, removed: false },
    });
  }
  for (const a of state.files) rows.push({ ...blank, add: _addRow(a) });
  for (const r of state.tombstones) rows.push({ ...blank, remove: _removeRow(r) });

  const withDomains = (state.domainMetadata?.size ?? 0) > 0;
  const withFeatures = state.protocol.readerFeatures !== undefined ||
    state.protocol.writerFeatures !== undefined;
  const schema = _checkpointSchema(withFeatures, withDomains);
  const columns: Record<string, arrow.Vector> = {};
  for (const field of schema.fields) {
    columns[field.name] = arrow.vectorFromArray(rows.map((r) => r[field.name] ?? null), field.type);
  }
  for (const v of Object.values(columns)) for (const d of v.data) _padEmptyBuffers(d);
  const table = new arrow.Table(columns);
  const wasmTable = pw.Table.fromIPCStream(arrow.tableToIPC(table, "stream"));
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY).build();
  const bytes = pw.writeParquet(wasmTable, props);
  return { bytes, rows: rows.length, addRows: state.files.length };
}

/**
 * Write a classic checkpoint of `state` and update `_delta_log/_last_checkpoint`.
 *
 * @param storage Storage rooted at the table root.
 * @param state The table state (a reader `Snapshot`).
 * @returns The `_last_checkpoint` content written.
 * @throws Storage errors.
 * @example
 * ```ts
 * import { writeCheckpoint } from "./checkpoint_writer.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const s = new MemoryStorage();
 * const last = await writeCheckpoint(s, {
 *   version: 3,
 *   protocol: { minReaderVersion: 1, minWriterVersion: 2 },
 *   metadata: { id: "x", format: { provider: "parquet", options: {} }, schemaString: '{"type":"struct","fields":[]}', partitionColumns: [], configuration: {} },
 *   files: [], tombstones: [], txns: new Map(),
 * });
 * if (last.version !== 3) throw new Error("bad version");
 * await s.head("_delta_log/00000000000000000003.checkpoint.parquet");
 * ```
 */
export async function writeCheckpoint(
  storage: ObjectStorage,
  state: CheckpointState,
): Promise<LastCheckpoint> {
  const { bytes, rows, addRows } = await encodeCheckpoint(state);
  await storage.put(checkpointPath(state.version), bytes, { overwrite: true });
  const last: LastCheckpoint = {
    version: state.version,
    size: rows,
    sizeInBytes: bytes.byteLength,
    numOfAddFiles: addRows,
  };
  // Never move _last_checkpoint backwards (a slower writer may checkpoint an older version).
  let current: LastCheckpoint | undefined;
  try {
    current = JSON.parse(
      new TextDecoder().decode(await storage.read("_delta_log/_last_checkpoint")),
    );
  } catch {
    current = undefined;
  }
  if (current === undefined || !(current.version > state.version)) {
    await storage.put(
      "_delta_log/_last_checkpoint",
      new TextEncoder().encode(JSON.stringify(last)),
      { overwrite: true },
    );
  }
  return last;
}

let _wasmReady: Promise<unknown> | undefined;

function _initParquetWasm(): Promise<unknown> {
  _wasmReady ??= (async () => {
    const wasmPath = createRequire(import.meta.url).resolve(
      "parquet-wasm/esm/parquet_wasm_bg.wasm",
    );
    await init({ module_or_path: await Deno.readFile(wasmPath) });
  })();
  return _wasmReady;
}

/** Snapshot paths are decoded; the log holds URI-encoded relative paths (absolute URIs kept). */
function _logPath(path: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(path) ? path : encodeActionPath(path);
}

/**
 * apache-arrow's IPC writer emits an empty value buffer for an all-null Boolean array, which
 * arrow-rs (inside parquet-wasm) rejects. Every Boolean field of the checkpoint sits inside a
 * struct that is null on exactly those rows, or always has a value, so an all-null Boolean child
 * can be made all-valid `false` without changing what a reader sees.
 */
function _padEmptyBuffers(data: arrow.Data): void {
  const len = data.offset + data.length;
  if (arrow.DataType.isBool(data.type) && data.length > 0 && data.nullCount >= data.length) {
    const mutable = data as unknown as {
      values: Uint8Array;
      nullBitmap: Uint8Array;
      _nullCount: number;
    };
    mutable.values = new Uint8Array(Math.ceil(len / 8));
    mutable.nullBitmap = new Uint8Array(0);
    mutable._nullCount = 0;
  }
  for (const child of data.children) _padEmptyBuffers(child);
}

function _long(v: number | null | undefined): bigint | null {
  return v === null || v === undefined ? null : BigInt(Math.trunc(v));
}

function _map(
  obj: Record<string, string | null> | null | undefined,
): Map<string, string | null> | null {
  if (obj === null || obj === undefined) return null;
  return new Map(Object.entries(obj));
}

function _protocolRow(p: ProtocolAction): Record<string, unknown> {
  return {
    minReaderVersion: p.minReaderVersion,
    minWriterVersion: p.minWriterVersion,
    readerFeatures: p.readerFeatures ?? null,
    writerFeatures: p.writerFeatures ?? null,
  };
}

function _metadataRow(m: MetadataAction): Record<string, unknown> {
  return {
    id: m.id,
    name: m.name ?? null,
    description: m.description ?? null,
    format: { provider: m.format.provider, options: _map(m.format.options ?? {}) },
    schemaString: m.schemaString,
    partitionColumns: m.partitionColumns,
    configuration: _map(m.configuration ?? {}),
    createdTime: _long(m.createdTime),
  };
}

function _addRow(a: AddAction): Record<string, unknown> {
  return {
    path: _logPath(a.path),
    partitionValues: _map(a.partitionValues),
    size: BigInt(a.size),
    modificationTime: BigInt(a.modificationTime),
    dataChange: false,
    stats: a.stats ?? null,
    tags: _map(a.tags),
  };
}

function _removeRow(r: RemoveAction): Record<string, unknown> {
  return {
    path: _logPath(r.path),
    deletionTimestamp: _long(r.deletionTimestamp),
    dataChange: false,
    extendedFileMetadata: r.extendedFileMetadata ??
      (r.partitionValues !== undefined && r.partitionValues !== null && typeof r.size === "number"),
    partitionValues: _map(r.partitionValues),
    size: _long(r.size),
  };
}

function _f(name: string, type: arrow.DataType, nullable = true): arrow.Field {
  return new arrow.Field(name, type, nullable);
}

function _stringMap(): arrow.Map_ {
  const map = new arrow.Map_(
    _f(
      "key_value",
      new arrow.Struct([_f("key", new arrow.Utf8(), false), _f("value", new arrow.Utf8())]),
      false,
    ),
  );
  // apache-arrow's Map_ constructor renames its entries field to "entries" (ARROW-8716), and
  // arrow-rs writes that name as the repeated group. Delta writers (Spark, delta-rs) and the
  // Parquet spec's MAP layout use "key_value"; the IPC writer serializes the name as set here.
  (map.children[0] as unknown as { name: string }).name = "key_value";
  return map;
}

function _checkpointSchema(withFeatures: boolean, withDomains: boolean): arrow.Schema {
  const str = () => new arrow.Utf8();
  const long = () => new arrow.Int64();
  const bool = () => new arrow.Bool();
  const strList = () => new arrow.List(_f("element", str()));
  const protocolFields = [
    _f("minReaderVersion", new arrow.Int32()),
    _f("minWriterVersion", new arrow.Int32()),
  ];
  if (withFeatures) {
    protocolFields.push(_f("readerFeatures", strList()), _f("writerFeatures", strList()));
  }
  const fields = [
    _f(
      "txn",
      new arrow.Struct([_f("appId", str()), _f("version", long()), _f("lastUpdated", long())]),
    ),
    _f(
      "add",
      new arrow.Struct([
        _f("path", str()),
        _f("partitionValues", _stringMap()),
        _f("size", long()),
        _f("modificationTime", long()),
        _f("dataChange", bool()),
        _f("stats", str()),
        _f("tags", _stringMap()),
      ]),
    ),
    _f(
      "remove",
      new arrow.Struct([
        _f("path", str()),
        _f("deletionTimestamp", long()),
        _f("dataChange", bool()),
        _f("extendedFileMetadata", bool()),
        _f("partitionValues", _stringMap()),
        _f("size", long()),
      ]),
    ),
    _f(
      "metaData",
      new arrow.Struct([
        _f("id", str()),
        _f("name", str()),
        _f("description", str()),
        _f("format", new arrow.Struct([_f("provider", str()), _f("options", _stringMap())])),
        _f("schemaString", str()),
        _f("partitionColumns", strList()),
        _f("configuration", _stringMap()),
        _f("createdTime", long()),
      ]),
    ),
    _f("protocol", new arrow.Struct(protocolFields)),
  ];
  if (withDomains) {
    fields.push(
      _f(
        "domainMetadata",
        new arrow.Struct([_f("domain", str()), _f("configuration", str()), _f("removed", bool())]),
      ),
    );
  }
  return new arrow.Schema(fields);
}

/** Options of {@linkcode createCheckpoint}. */
export interface CreateCheckpointOptions {
  /**
   * Version to checkpoint.
   *
   * @default {the newest version}
   */
  version?: number;
}

/**
 * Checkpoint a table on demand: load its snapshot and write a classic checkpoint of it.
 *
 * @param storage Storage rooted at the table root.
 * @param options See {@linkcode CreateCheckpointOptions}.
 * @returns The `_last_checkpoint` content written.
 * @throws Errors of `loadSnapshot` (for example `TableNotFoundError`).
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { createCheckpoint } from "./checkpoint_writer.ts";
 * import { writeDelta } from "./write_delta.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const storage = new MemoryStorage();
 * await writeDelta("mem://t", pl.DataFrame({ x: [1] }), { storage });
 * const last = await createCheckpoint(storage);
 * if (last.version !== 0 || last.numOfAddFiles !== 1) throw new Error("bad checkpoint");
 * ```
 */
export async function createCheckpoint(
  storage: ObjectStorage,
  options: CreateCheckpointOptions = {},
): Promise<LastCheckpoint> {
  const snapshot = await loadSnapshot(storage, { version: options.version });
  return await writeCheckpoint(storage, snapshot);
}
