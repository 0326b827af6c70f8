/**
 * A write transaction: the read set and write set of one Delta commit, the writer-side
 * protocol check, and the post-commit hooks (automatic checkpoint, expired log cleanup).
 *
 * Usage: open a {@linkcode Transaction} on the snapshot the operation read, record what it
 * read (`readFile`, `readWhere`, `readAll`; nothing for a blind append), stage actions
 * (`addFiles`, `removeFile`, `setMetadata`, `setProtocol`, `setTxn`), then `commit()`. The
 * commit goes through {@linkcode commitWithRetry}, whose conflict checks use exactly this
 * read/write bookkeeping, at the isolation level of the table (`delta.isolationLevel`) or of
 * the transaction's `isolationLevel` option.
 *
 * @module
 */
import type {
  Action,
  AddAction,
  MetadataAction,
  ProtocolAction,
  RemoveAction,
  TxnAction,
} from "./actions.ts";
import { checkpointOverdue, shouldCheckpoint, writeCheckpoint } from "./checkpoint_writer.ts";
import {
  buildCommitInfo,
  type CommitRetryOptions,
  commitWithRetry,
  type ConflictContext,
  type IsolationLevel,
  resolveIsolationLevel,
} from "./commit.ts";
import { DeltaError, UnsupportedFeatureError } from "./errors.ts";
import { cleanupExpiredLogs } from "./log_cleanup.ts";
import { encodeActionPath } from "./partition_path.ts";
import { parsePartitionValue, rawPartitionValue } from "./partition_values.ts";
import { loadSnapshot, type Snapshot } from "./snapshot.ts";
import type { ObjectStorage } from "./storage.ts";

/** Writer features pointline honours when it writes. */
export const SUPPORTED_WRITER_FEATURES: ReadonlySet<string> = new Set([
  "appendOnly",
  "invariants",
  "timestampNtz",
]);

/** Options of {@linkcode Transaction}. */
export interface TransactionOptions {
  /** Operation name for `commitInfo` (`WRITE`, `MERGE`, `DELETE`, `OPTIMIZE`, ...). */
  operation: string;
  /**
   * Operation parameters for `commitInfo`.
   *
   * @default {{}}
   */
  operationParameters?: Record<string, unknown>;
  /**
   * Custom metadata merged into `commitInfo`.
   *
   * @default {{}}
   */
  commitMetadata?: Record<string, unknown>;
  /**
   * Retry policy of the commit loop.
   *
   * @default {{}}
   */
  retry?: CommitRetryOptions;
  /**
   * Isolation level of this transaction's conflict checks, overriding the table property
   * `delta.isolationLevel` (see {@linkcode resolveIsolationLevel}).
   *
   * @default {the table's delta.isolationLevel, else "WriteSerializable"}
   */
  isolationLevel?: IsolationLevel;
  /**
   * Run the post-commit hooks (checkpoint every `delta.checkpointInterval` commits, or at
   * the first commit after a due checkpoint was skipped, then expired log cleanup).
   *
   * @default {true}
   */
  postCommitHooks?: boolean;
  /**
   * Clock in milliseconds (remove timestamps, commit timestamp).
   *
   * @default {Date.now}
   */
  now?: () => number;
}

/** What {@linkcode Transaction.commit} reports. */
export interface CommitResult {
  /** The committed version. */
  version: number;
  /** Whether a checkpoint was written after the commit. */
  checkpointed: boolean;
  /** An error of a post-commit hook (the commit itself succeeded). */
  postCommitError?: unknown;
}

/**
 * Check that pointline may write to a table with this protocol.
 *
 * @param protocol The table protocol.
 * @param tableName A name for messages.
 * @throws {UnsupportedFeatureError} For writer versions 3-6 or writer features outside
 *   {@linkcode SUPPORTED_WRITER_FEATURES}. (A column that actually carries a
 *   `delta.invariants` expression is refused when a {@linkcode Transaction} opens.)
 * @example
 * ```ts
 * import { checkWriterProtocol } from "./transaction.ts";
 * checkWriterProtocol({ minReaderVersion: 1, minWriterVersion: 2 }, "t");
 * let threw = false;
 * try { checkWriterProtocol({ minReaderVersion: 1, minWriterVersion: 4 }, "t"); } catch { threw = true; }
 * if (!threw) throw new Error("writer version 4 must be refused");
 * ```
 */
export function checkWriterProtocol(protocol: ProtocolAction, tableName: string): void {
  const v = protocol.minWriterVersion;
  if (v <= 2) return;
  if (v !== 7) {
    throw new UnsupportedFeatureError(
      `writerVersion=${v}`,
      `Cannot write to "${tableName}": writer version ${v} is not supported (supported: 1, 2, 7)`,
    );
  }
  for (const f of protocol.writerFeatures ?? []) {
    if (!SUPPORTED_WRITER_FEATURES.has(f)) {
      throw new UnsupportedFeatureError(
        f,
        `Cannot write to "${tableName}": writer feature "${f}" is not supported`,
      );
    }
  }
}

/**
 * One Delta write transaction (read set, write set, commit).
 *
 * @example
 * ```ts
 * import { Transaction } from "./transaction.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const s = new MemoryStorage();
 * const tx = new Transaction(s, undefined, { operation: "CREATE TABLE" });
 * tx.setProtocol({ minReaderVersion: 1, minWriterVersion: 2 });
 * tx.setMetadata({ id: "t", format: { provider: "parquet", options: {} }, partitionColumns: [], configuration: {},
 *   schemaString: '{"type":"struct","fields":[{"name":"x","type":"long","nullable":true,"metadata":{}}]}' });
 * const { version } = await tx.commit();
 * if (version !== 0) throw new Error("a new table starts at version 0");
 * ```
 */
export class Transaction {
  /** The version read (-1 for a table that does not exist yet). */
  readonly readVersion: number;
  /** The snapshot read, if any. */
  readonly snapshot: Snapshot | undefined;
  readonly #storage: ObjectStorage;
  readonly #options: TransactionOptions;
  readonly #readFiles = new Set<string>();
  readonly #readPredicates: ((add: AddAction) => boolean)[] = [];
  #readAll = false;
  readonly #adds: AddAction[] = [];
  readonly #removes: RemoveAction[] = [];
  readonly #removedPaths = new Set<string>();
  #metadata: MetadataAction | undefined;
  #protocol: ProtocolAction | undefined;
  readonly #txns: TxnAction[] = [];
  #metrics: Record<string, number | string> = {};

  /**
   * @param storage Storage rooted at the table root.
   * @param snapshot The snapshot the operation read; `undefined` to create a table.
   * @param options Operation and commit options.
   * @throws {UnsupportedFeatureError} When the table's writer protocol is not supported, a
   *   column carries a `delta.invariants` expression, or the isolation level is unknown.
   */
  constructor(storage: ObjectStorage, snapshot: Snapshot | undefined, options: TransactionOptions) {
    if (snapshot) {
      checkWriterProtocol(snapshot.protocol, storage.root);
      const withInvariant = snapshot.schema.fields.find((f) =>
        "delta.invariants" in (f.metadata ?? {})
      );
      if (withInvariant) {
        throw new UnsupportedFeatureError(
          "invariants",
          `Cannot write to "${storage.root}": column "${withInvariant.name}" has a delta.invariants expression, which pointline cannot enforce`,
        );
      }
    }
    this.#storage = storage;
    this.snapshot = snapshot;
    this.readVersion = snapshot?.version ?? -1;
    this.#options = options;
    resolveIsolationLevel(snapshot?.metadata.configuration, options.isolationLevel); // fail early
  }

  /**
   * The isolation level of the commit: the `isolationLevel` option, else the table's
   * `delta.isolationLevel` (of the metadata this transaction sets, else of the snapshot), else
   * `WriteSerializable`.
   */
  get isolationLevel(): IsolationLevel {
    return resolveIsolationLevel(
      (this.#metadata ?? this.snapshot?.metadata)?.configuration,
      this.#options.isolationLevel,
    );
  }

  /**
   * Record that the operation read a file (a concurrent removal of it then conflicts).
   *
   * @param add A live file of the snapshot (decoded path).
   */
  readFile(add: AddAction): void {
    this.#readFiles.add(add.path);
  }

  /**
   * Record that the operation read every file for which `mayMatch` holds (a concurrent append
   * of such a file then conflicts).
   *
   * @param mayMatch Whether an added file could hold rows the operation read.
   */
  readWhere(mayMatch: (add: AddAction) => boolean): void {
    this.#readPredicates.push(mayMatch);
  }

  /** Record that the operation read the whole table (any concurrent append conflicts). */
  readAll(): void {
    this.#readAll = true;
  }

  /**
   * Stage `add` actions (log form: URI-encoded paths, as `writeDataFiles` returns them).
   *
   * @param adds The files to add.
   */
  addFiles(adds: AddAction[]): void {
    this.#adds.push(...adds);
  }

  /**
   * Stage the removal of a live file of the snapshot; it also joins the read set.
   *
   * @param add The live file (decoded path, as in the snapshot).
   * @param options `dataChange` (default true; false for compaction).
   * @throws {DeltaError} When the table is append-only and `dataChange` is true.
   */
  removeFile(add: AddAction, options: { dataChange?: boolean } = {}): void {
    const dataChange = options.dataChange ?? true;
    if (dataChange && this.snapshot?.metadata.configuration["delta.appendOnly"] === "true") {
      throw new DeltaError(
        `Cannot remove "${add.path}" from "${this.#storage.root}": the table is append-only (delta.appendOnly=true)`,
      );
    }
    this.#readFiles.add(add.path);
    this.#removedPaths.add(add.path);
    this.#removes.push({
      path: encodeActionPath(add.path),
      deletionTimestamp: (this.#options.now ?? Date.now)(),
      dataChange,
      extendedFileMetadata: true,
      partitionValues: add.partitionValues,
      size: add.size,
      ...(add.stats ? { stats: add.stats } : {}),
      ...(add.tags ? { tags: add.tags } : {}),
    });
  }

  /**
   * Stage a new `metaData` action (table creation, schema change).
   *
   * @param metadata The new metadata.
   */
  setMetadata(metadata: MetadataAction): void {
    this.#metadata = metadata;
  }

  /**
   * Stage a new `protocol` action.
   *
   * @param protocol The new protocol.
   */
  setProtocol(protocol: ProtocolAction): void {
    this.#protocol = protocol;
  }

  /**
   * Stage an idempotency marker `txn {appId, version}`.
   *
   * @param appId Application id.
   * @param version Application-defined batch version.
   */
  setTxn(appId: string, version: number): void {
    this.#txns.push({ appId, version, lastUpdated: (this.#options.now ?? Date.now)() });
  }

  /**
   * Set the `operationMetrics` of the commit.
   *
   * @param metrics Counts by name.
   */
  setMetrics(metrics: Record<string, number | string>): void {
    this.#metrics = { ...this.#metrics, ...metrics };
  }

  /** Whether the transaction only appends files without having read any. */
  get isBlindAppend(): boolean {
    return this.#removes.length === 0 && this.#readFiles.size === 0 &&
      this.#readPredicates.length === 0 && !this.#readAll && this.#metadata === undefined &&
      this.#protocol === undefined;
  }

  /** Number of staged `add` actions. */
  get addCount(): number {
    return this.#adds.length;
  }

  /** Number of staged `remove` actions. */
  get removeCount(): number {
    return this.#removes.length;
  }

  /**
   * Commit the staged actions (optimistic concurrency, then post-commit hooks).
   *
   * @returns The committed version and whether a checkpoint followed.
   * @throws {CommitConflictError} When a concurrent commit conflicts.
   * @throws {DeltaError} When nothing is staged.
   */
  async commit(): Promise<CommitResult> {
    const actions: Action[] = [];
    const now = (this.#options.now ?? Date.now)();
    const isolationLevel = this.isolationLevel;
    actions.push(buildCommitInfo({
      operation: this.#options.operation,
      operationParameters: this.#options.operationParameters,
      commitMetadata: this.#options.commitMetadata,
      readVersion: this.readVersion,
      isBlindAppend: this.isBlindAppend,
      isolationLevel,
      operationMetrics: this.#metrics,
      timestamp: now,
    }));
    if (this.#protocol) actions.push({ protocol: this.#protocol });
    if (this.#metadata) actions.push({ metaData: this.#metadata });
    for (const t of this.#txns) actions.push({ txn: t });
    for (const r of this.#removes) actions.push({ remove: r });
    for (const a of this.#adds) actions.push({ add: a });
    if (actions.length === 1) {
      throw new DeltaError(
        `Cannot commit to "${this.#storage.root}": the transaction has no actions`,
      );
    }
    const context: ConflictContext = {
      readFiles: this.#readFiles,
      removedFiles: this.#removedPaths,
      appIds: new Set(this.#txns.map((t) => t.appId)),
      isolationLevel,
      writtenPartitions: _distinctPartitions(this.#adds.filter((a) => a.dataChange !== false)),
      partitionKey: this.snapshot ? _typedPartitionKey(this.snapshot) : undefined,
      readMayMatch: this.#readAll
        ? () => true
        : this.#readPredicates.length > 0
        ? (add) => this.#readPredicates.some((p) => p(add))
        : undefined,
    };
    const version = await commitWithRetry(
      this.#storage,
      actions,
      this.readVersion,
      context,
      this.#options.retry,
    );
    const result: CommitResult = { version, checkpointed: false };
    if (this.#options.postCommitHooks === false) return result;
    const configuration = (this.#metadata ?? this.snapshot?.metadata)?.configuration ?? {};
    // due now, or skipped earlier (a writer killed after its commit): by the snapshot read,
    // then confirmed on the committed version's own segment (another writer may have caught up)
    const lastRead = this.snapshot?.segment?.checkpoint?.version ?? -1;
    if (
      shouldCheckpoint(version, configuration) ||
      checkpointOverdue(version, lastRead, configuration)
    ) {
      try {
        const snap = await loadSnapshot(this.#storage, { version });
        const last = snap.segment?.checkpoint?.version ?? -1;
        if (
          shouldCheckpoint(version, configuration) ||
          checkpointOverdue(version, last, snap.metadata.configuration)
        ) {
          await writeCheckpoint(this.#storage, snap);
          result.checkpointed = true;
          await cleanupExpiredLogs(this.#storage, { configuration: snap.metadata.configuration });
        }
      } catch (e) {
        result.postCommitError = e;
      }
    }
    return result;
  }
}

/** The distinct `partitionValues` of some files. */
function _distinctPartitions(adds: AddAction[]): Record<string, string | null>[] {
  const out = new Map<string, Record<string, string | null>>();
  for (const a of adds) out.set(JSON.stringify(a.partitionValues), a.partitionValues);
  return [...out.values()];
}

/**
 * Partition identity by typed value (so `2024-01-01 10:00:00` and `2024-01-01T10:00:00Z`, or
 * `""` and `null`, name the same partition), in table column order. Throws for a value that
 * does not parse (the conflict check then treats the partition as unknown).
 */
function _typedPartitionKey(
  snapshot: Snapshot,
): (values: Record<string, string | null>) => string {
  const fields = snapshot.partitionColumns.map((c) =>
    snapshot.schema.fields.find((f) => f.name === c) ?? { name: c, type: "string" as const }
  );
  return (values) =>
    JSON.stringify(fields.map((f) => {
      const v = parsePartitionValue(rawPartitionValue(values, f), f.type);
      if (v === null) return null;
      if (v instanceof Date) return v.getTime();
      if (v instanceof Uint8Array) return [...v];
      return String(v);
    }));
}
