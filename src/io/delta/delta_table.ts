/**
 * `DeltaTable`: one snapshot of a Delta table plus the storage it lives in; the entry point
 * for reading (`scan`, `files`, `history`) and for time travel (`open` with a version or a
 * timestamp).
 *
 * @module
 */
import type { LazyDataFrame } from "../../polars_types.ts";
import { fileURLToPath } from "node:url";
import {
  type AddAction,
  type CommitInfo,
  type MetadataAction,
  parseActions,
  type ProtocolAction,
} from "./actions.ts";
import { listLogSegment } from "./log_segment.ts";
import type { Filter } from "./predicate.ts";
import { type ScanOptions, scanSnapshot, selectFiles } from "./scan.ts";
import type { StructType } from "./schema.ts";
import { loadSnapshot, type Snapshot } from "./snapshot.ts";
import type { ObjectStorage } from "./storage.ts";
import { storageForUri, type StorageLocationOptions } from "./storage_for_uri.ts";
import type { VacuumOptions, VacuumResult } from "./vacuum.ts";
import type { OptimizeOptions, OptimizeResult } from "./optimize.ts";
import type { LastCheckpoint } from "./checkpoint_writer.ts";

/** Options of {@linkcode DeltaTable.open}. */
export interface OpenOptions extends StorageLocationOptions {
  /**
   * Version to load (newest when neither this nor `timestamp` is given).
   *
   * @default {undefined}
   */
  version?: number;
  /**
   * Load the version that was current at this time: the newest commit at or before it. A
   * time before the first commit is a `VersionNotFoundError`; a time after the newest commit
   * gives the newest version.
   *
   * @default {undefined}
   */
  timestamp?: Date | string | number;
}

/** One entry of {@linkcode DeltaTable.history}. */
export interface HistoryEntry extends CommitInfo {
  /** The commit version. */
  version: number;
  /** Commit time in milliseconds (in-commit timestamp, `commitInfo.timestamp` or file time). */
  timestamp: number;
}

/**
 * A Delta table at one version.
 *
 * @example Open a table, read it, time travel
 * ```ts ignore
 * import { DeltaTable } from "./delta_table.ts";
 * const table = await DeltaTable.open("./lake/silver/trades");
 * const df = await (await table.scan({ columns: ["ts_local_us", "px_int"], filter: [["exchange", "=", "binance"]] })).collect();
 * const v0 = await DeltaTable.open("./lake/silver/trades", { version: 0 });
 * ```
 *
 * @example In memory
 * ```ts
 * import { DeltaTable } from "./delta_table.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const storage = new MemoryStorage();
 * const lines = [
 *   { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
 *   { metaData: { id: "t", format: { provider: "parquet", options: {} }, partitionColumns: [], configuration: {},
 *     schemaString: '{"type":"struct","fields":[{"name":"x","type":"long","nullable":true,"metadata":{}}]}' } },
 * ];
 * await storage.put("_delta_log/00000000000000000000.json", new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join("\n")));
 * const table = await DeltaTable.open("memory://t", { storage });
 * const df = await (await table.scan()).collect();
 * if (table.version !== 0 || df.height !== 0 || df.columns.join() !== "x") throw new Error("bad table");
 * ```
 */
export class DeltaTable {
  /** The location given to {@linkcode DeltaTable.open}. */
  readonly uri: string;
  /** The storage rooted at the table. */
  readonly storage: ObjectStorage;
  /** The loaded snapshot. */
  readonly snapshot: Snapshot;

  /**
   * Prefer {@linkcode DeltaTable.open}.
   *
   * @param uri The table location.
   * @param storage Storage rooted at the table.
   * @param snapshot A loaded snapshot.
   */
  constructor(uri: string, storage: ObjectStorage, snapshot: Snapshot) {
    this.uri = uri;
    this.storage = storage;
    this.snapshot = snapshot;
  }

  /**
   * Open a table at its newest version, a given version, or a timestamp.
   *
   * @param uri A local path, a `file://` or `s3://` URI (any label when `storage` is given).
   * @param options Version, timestamp, storage or storage options.
   * @returns The table.
   * @throws {TableNotFoundError} When there is no table at `uri`.
   * @throws {VersionNotFoundError} For a version not in the log or a time before it.
   * @throws {CorruptLogError} For an inconsistent log.
   * @throws {UnsupportedFeatureError} For an unsupported reader feature.
   */
  static async open(uri: string, options: OpenOptions = {}): Promise<DeltaTable> {
    const storage = storageForUri(uri, options);
    const snapshot = await loadSnapshot(storage, {
      version: options.version,
      timestamp: options.timestamp,
    });
    return new DeltaTable(uri, storage, snapshot);
  }

  /** The snapshot version. */
  get version(): number {
    return this.snapshot.version;
  }

  /** The logical schema. */
  get schema(): StructType {
    return this.snapshot.schema;
  }

  /** The metadata action in force. */
  get metadata(): MetadataAction {
    return this.snapshot.metadata;
  }

  /** The protocol action in force. */
  get protocol(): ProtocolAction {
    return this.snapshot.protocol;
  }

  /** The partition columns. */
  get partitionColumns(): string[] {
    return this.snapshot.partitionColumns;
  }

  /**
   * The live files (canonical paths: decoded, relative to the table root).
   *
   * @returns The `add` actions of the snapshot.
   */
  files(): AddAction[] {
    return this.snapshot.files;
  }

  /**
   * The files a scan with this filter reads (after partition pruning and stats skipping).
   *
   * @param filter The filter.
   * @returns The selected `add` actions.
   * @throws {TypeError} When the filter is malformed.
   */
  scanFiles(filter: Filter = []): AddAction[] {
    return selectFiles(this.snapshot, filter);
  }

  /**
   * A lazy scan of the snapshot.
   *
   * @param options Columns and filter.
   * @returns A `LazyDataFrame` of the matching rows.
   * @throws {TypeError} For unknown columns or a malformed filter.
   */
  async scan(options: ScanOptions = {}): Promise<LazyDataFrame> {
    const { frame } = await scanSnapshot(this.storage, this.snapshot, {
      ...options,
      tableRoot: this._tableRoot(),
    });
    return frame;
  }

  /**
   * The commit history, newest first, up to this snapshot's version.
   *
   * @param limit Maximum number of entries (all when absent).
   * @returns One entry per commit whose file still exists.
   */
  async history(limit?: number): Promise<HistoryEntry[]> {
    // a segment listed from its checkpoint on knows only the newer commits: list them all
    const segment = this.snapshot.segment.listedFrom === undefined
      ? this.snapshot.segment
      : await listLogSegment(this.storage, { version: this.version, fullListing: true });
    const commits = segment.allCommits
      .filter((c) => c.version <= this.version)
      .reverse()
      .slice(0, limit ?? Infinity);
    const dec = new TextDecoder();
    return await Promise.all(commits.map(async (c) => {
      const actions = parseActions(dec.decode(await this.storage.read(c.path)), c.path);
      const info = (actions.find((a) => "commitInfo" in a) as { commitInfo: CommitInfo })
        ?.commitInfo ?? {};
      const ts = typeof info.inCommitTimestamp === "number"
        ? info.inCommitTimestamp
        : typeof info.timestamp === "number"
        ? info.timestamp
        : c.lastModified;
      return { ...info, version: c.version, timestamp: ts };
    }));
  }

  /**
   * The latest version an application committed with a `txn` action.
   *
   * @param appId The application id.
   * @returns Its version, or `undefined` when it never committed.
   */
  transactionVersion(appId: string): number | undefined {
    return this.snapshot.txns.get(appId)?.version;
  }

  /**
   * The table at its newest version (a new instance; this one is unchanged).
   *
   * @returns The refreshed table.
   */
  async refresh(): Promise<DeltaTable> {
    return new DeltaTable(this.uri, this.storage, await loadSnapshot(this.storage));
  }

  /**
   * Delete unreferenced data files older than the retention (see `vacuum.ts`). The writer
   * modules load on first use, so read-only users do not pay for them.
   *
   * @param options Vacuum options (this table's storage is used).
   * @returns The files deleted (or deletable in a dry run).
   * @throws {RangeError} When the retention is below the table's and enforcement is on.
   */
  async vacuum(options: Omit<VacuumOptions, "storage"> = {}): Promise<VacuumResult> {
    const { vacuum } = await import("./vacuum.ts");
    return await vacuum(this.uri, { ...options, storage: this.storage });
  }

  /**
   * Compact small files (see `optimize.ts`). This instance keeps its snapshot; use
   * {@linkcode DeltaTable.refresh} to see the result.
   *
   * @param options Optimize options (this table's storage is used).
   * @returns What was compacted.
   */
  async optimize(options: Omit<OptimizeOptions, "storage"> = {}): Promise<OptimizeResult> {
    const { optimize } = await import("./optimize.ts");
    return await optimize(this.uri, { ...options, storage: this.storage });
  }

  /**
   * Write a classic checkpoint of this snapshot (see `checkpoint_writer.ts`).
   *
   * @returns The `_last_checkpoint` content written.
   */
  async checkpoint(): Promise<LastCheckpoint> {
    const { writeCheckpoint } = await import("./checkpoint_writer.ts");
    return await writeCheckpoint(this.storage, this.snapshot);
  }

  /** The table's root folder on the local disk, or its storage root elsewhere (internal). */
  _tableRoot(): string {
    const local = this.storage.localPath?.("");
    if (local !== undefined) return local;
    return this.uri.startsWith("file:") ? fileURLToPath(this.uri) : this.storage.root;
  }
}
