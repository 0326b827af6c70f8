/**
 * One generic Delta-backed repository, the base of every per-table repository
 * (`delta_<table>_repo.ts`).
 *
 * It owns the table's location and physical layout (partition columns from the table's
 * schema) and turns the repository interfaces of `protocols.ts` into Delta operations:
 *
 * - `readAll` = a scan of the latest snapshot (an empty frame with the schema's columns when
 *   the table does not exist yet);
 * - `writeFull` = an overwrite commit; `merge` = `mergeDelta` on the keys (a first write
 *   creates the table);
 * - `writeFileRows` = the exactly-once write of one bronze file's rows, in **one commit**.
 *   Each file has its own Delta `txn` app id, `pointline-ingest:<table>:<file_id>`, whose
 *   version is the ingest attempt, committed atomically with the data. The first attempt of
 *   a new file is a blind append; a later attempt (forced re-ingest, quarantine retry) or a
 *   file that supersedes older content of its path is an overwrite with the predicate
 *   `file_id in (this id, superseded ids)`, so old rows go and new rows land in the same
 *   commit. A repeat of an attempt that already landed is skipped (the `txn` says so); two
 *   processes writing the same file at once collide on the app id and the loser finds the
 *   attempt landed and skips. A file with no rows and nothing to replace commits nothing.
 *   So a crash anywhere is repaired by re-running the same attempt, and readers never see a
 *   file half-replaced.
 *
 * With `serializeWrites`, every `writeFull`/`merge` also carries a `txn` with a fixed app id
 * (`pointline:<table>:writer`) whose version counts rewrites. `readAll` remembers the count it
 * saw; a rewrite first checks that no other rewrite landed since (else `CommitConflictError`),
 * and two rewrites racing for the same commit collide on the app id. So a read-modify-write
 * of a small table (dim_symbol) never silently drops a concurrent one; the service re-reads
 * and retries.
 *
 * @module
 */
import type pl from "nodejs-polars";
import type { DataFrame } from "../polars_types.ts";
import { conformToSchema, emptyFrame, type TableSchema } from "../domain/table_schema.ts";
import { DeltaTable } from "./delta/delta_table.ts";
import { CommitConflictError, TableNotFoundError } from "./delta/errors.ts";
import { mergeDelta } from "./delta/merge_delta.ts";
import type { Filter } from "./delta/predicate.ts";
import { readDelta } from "./delta/read_delta.ts";
import { TableAlreadyExistsError } from "./delta/errors.ts";
import { writeDelta } from "./delta/write_delta.ts";
import { StagedWrite } from "./delta/staged_write.ts";
import type { StorageOptions } from "./delta/storage_for_uri.ts";
import type {
  EventTableRepository,
  FileRowsWriteOptions,
  FileRowsWriter,
  WriteFileRowsOptions,
  WriteFileRowsResult,
} from "./protocols.ts";

/** Options of {@linkcode DeltaTableRepo}. */
export interface DeltaTableRepoOptions {
  /**
   * Attach a fixed-app-id `txn` to every `writeFull`/`merge`, so concurrent rewrites conflict.
   * @default {false}
   */
  serializeWrites?: boolean;
  /** Prefix of the per-file `txn` app ids. @default {"pointline-ingest"} */
  appIdPrefix?: string;
  /**
   * Storage options of a remote table URI (`s3://`), keyed as in delta-rs; missing keys come
   * from the AWS environment variables. @default {undefined}
   */
  storageOptions?: StorageOptions;
}

/** Options of {@linkcode DeltaTableRepo.append}. */
export interface AppendOptions {
  /** A `txn` action committed atomically with the rows. @default {undefined} */
  txn?: { appId: string; version: number };
}

/** What {@linkcode DeltaTableRepo.append} did. */
export interface AppendResult {
  /** The table version after the call. */
  version: number;
  /** True when the `txn` had already landed, so nothing was written. */
  skipped: boolean;
}

/** A Delta table accessed through the repository interfaces. */
export class DeltaTableRepo implements EventTableRepository {
  /** Table location (a local path). */
  readonly uri: string;
  /** The table's schema (columns, partitioning, sort order). */
  readonly schema: TableSchema;
  #serialize: boolean;
  #prefix: string;
  #serialSeen: number | undefined;
  /** Where the table lives, spread into every Delta call. */
  #io: { storageOptions?: StorageOptions };

  /**
   * Create a `DeltaTableRepo`.
   *
   * @param uri Table location.
   * @param schema The table's schema; its `partitionBy` sets the physical layout.
   * @param options Write serialisation and app-id prefix.
   * @example
   * ```ts
   * import { DeltaTableRepo } from "./delta_table_repo.ts";
   * import { QUARANTINE_SCHEMA } from "../domain/quarantine.ts";
   * const dir = await Deno.makeTempDir();
   * const repo = new DeltaTableRepo(`${dir}/q`, QUARANTINE_SCHEMA);
   * const empty = await repo.readAll();
   * await Deno.remove(dir, { recursive: true });
   * if (empty.height !== 0 || empty.width !== QUARANTINE_SCHEMA.columns.length) throw new Error("not empty");
   * ```
   */
  constructor(uri: string, schema: TableSchema, options: DeltaTableRepoOptions = {}) {
    this.uri = uri;
    this.schema = schema;
    this.#serialize = options.serializeWrites ?? false;
    this.#prefix = options.appIdPrefix ?? "pointline-ingest";
    this.#io = options.storageOptions ? { storageOptions: options.storageOptions } : {};
  }

  /** The storage options the repository opens its table with (`undefined`: none given). */
  get storageOptions(): StorageOptions | undefined {
    return this.#io.storageOptions;
  }

  /**
   * Whether the table exists.
   *
   * @returns True when a Delta log is present.
   */
  async exists(): Promise<boolean> {
    return (await this.open()) !== undefined;
  }

  /**
   * Every current row, conformed to the schema.
   *
   * @returns The table, or an empty frame with the schema's columns when it does not exist.
   */
  async readAll(): Promise<DataFrame> {
    const table = await this.open();
    if (this.#serialize) this.#serialSeen = table?.transactionVersion(this._serialAppId()) ?? 0;
    return await this.readSnapshot(table);
  }

  /**
   * Every row of an opened snapshot, conformed to the schema: lets a caller read rows and log
   * state (such as a `txn` version) from one snapshot.
   *
   * @param table A snapshot from {@linkcode DeltaTableRepo.open}, or `undefined` (no table).
   * @returns The rows, or an empty frame with the schema's columns.
   * @example
   * ```ts
   * import { DeltaTableRepo } from "./delta_table_repo.ts";
   * import { INGEST_MANIFEST_SCHEMA } from "../domain/ingest_manifest.ts";
   * const repo = new DeltaTableRepo(await Deno.makeTempDir(), INGEST_MANIFEST_SCHEMA);
   * const rows = await repo.readSnapshot(await repo.open());
   * if (rows.height !== 0 || rows.width !== INGEST_MANIFEST_SCHEMA.columns.length) throw new Error();
   * ```
   */
  async readSnapshot(table: DeltaTable | undefined): Promise<DataFrame> {
    if (!table) return emptyFrame(this.schema);
    const df = await (await table.scan()).collect();
    if (df.height === 0) return emptyFrame(this.schema);
    return conformToSchema(df.select(...this.schema.columns.map((c) => c.name)), this.schema);
  }

  /**
   * Replace the whole table in one overwrite commit (creating it when missing).
   *
   * @param df Rows conforming to the schema.
   * @throws {CommitConflictError} When `serializeWrites` is on and another write won the race.
   */
  async writeFull(df: DataFrame): Promise<void> {
    const rows = this._prepare(df);
    const serial = await this._serialTxn();
    const res = await writeDelta(this.uri, rows, {
      ...this.#io,
      mode: "overwrite",
      partitionBy: [...this.schema.partitionBy],
      ...serial,
    });
    if (res.skipped && serial.txn) {
      // Another rewrite took this serial number after our check: ours did not land.
      throw new CommitConflictError(
        res.version,
        `"${this.schema.name}" was rewritten concurrently`,
      );
    }
  }

  /**
   * Upsert rows on `keys` (matched rows updated, new rows inserted) in one commit; a missing
   * table is created with the rows.
   *
   * @param df Rows conforming to the schema.
   * @param keys Key columns.
   * @throws {CommitConflictError} When a concurrent commit conflicts.
   */
  async merge(df: DataFrame, keys: string[]): Promise<void> {
    const rows = this._prepare(df);
    if (!(await this.exists())) {
      try {
        await writeDelta(this.uri, rows, {
          ...this.#io,
          mode: "error",
          partitionBy: [...this.schema.partitionBy],
          ...(await this._serialTxn()),
        });
        return;
      } catch (err) {
        if (!(err instanceof CommitConflictError) && !(err instanceof TableAlreadyExistsError)) {
          throw err;
        }
      }
    }
    await mergeDelta(this.uri, rows, {
      ...this.#io,
      on: keys,
      whenMatched: "update",
      whenNotMatched: "insert",
    });
  }

  /**
   * Append rows (creating the table when missing), optionally with a `txn` in the same commit.
   *
   * @param df Rows conforming to the schema.
   * @param options The `txn` to commit with the rows.
   * @returns The committed version, and `skipped: true` (nothing written) when the table
   * already records a `txn` of the same app id at this version or later.
   */
  async append(df: DataFrame, options: AppendOptions = {}): Promise<AppendResult> {
    const res = await writeDelta(this.uri, this._prepare(df), {
      ...this.#io,
      mode: "append",
      partitionBy: [...this.schema.partitionBy],
      ...(options.txn ? { txn: options.txn } : {}),
    });
    return { version: res.version, skipped: res.skipped ?? false };
  }

  /**
   * The latest `txn` version recorded for an app id.
   *
   * @param appId The application id.
   * @returns The version, or `undefined` when none (or no table).
   */
  async transactionVersion(appId: string): Promise<number | undefined> {
    const table = await this.open();
    return table?.transactionVersion(appId);
  }

  /**
   * The `txn` app id of one file's rows in this table.
   *
   * @param fileId The manifest file id.
   * @returns `<prefix>:<table>:<file_id>`.
   */
  fileAppId(fileId: number): string {
    return `${this.#prefix}:${this.schema.name}:${fileId}`;
  }

  /**
   * Commit one bronze file's rows exactly once per attempt (see the module doc).
   *
   * @param df The file's rows (may be empty), all carrying `file_id = options.fileId`.
   * @param options File id, attempt and superseded ids.
   * @returns Whether the attempt was already committed, rows written and removed.
   * @throws {CommitConflictError} When a conflicting commit (other than a concurrent write of
   * the same attempt) wins.
   */
  async writeFileRows(
    df: DataFrame,
    options: WriteFileRowsOptions,
  ): Promise<WriteFileRowsResult> {
    const writer = await this.beginFileRows(options);
    try {
      await writer.write(df);
      return await writer.commit();
    } catch (err) {
      await writer.abort().catch(() => {});
      throw err;
    }
  }

  /**
   * Write one bronze file's rows in parts, committed once (see the module doc): each part
   * becomes data files at once, or with `growFileBytes` is appended to the partition's open
   * data file until it reaches that size (unreferenced until the commit; an open file is not
   * even visible, see `StagedWrite`); the commit adds them all with
   * the file's `txn`, and, for a later attempt or a superseding file, removes the older rows in
   * the same commit.
   *
   * @param options File id, attempt, superseded ids and data file size.
   * @returns The writer: `write(part)`, then `commit()` (or `abort()`).
   * @example
   * ```ts
   * import pl from "nodejs-polars";
   * import { DeltaTableRepo } from "./delta_table_repo.ts";
   * import { QUARANTINE_SCHEMA } from "../domain/quarantine.ts";
   * const dir = await Deno.makeTempDir();
   * const repo = new DeltaTableRepo(`${dir}/q`, QUARANTINE_SCHEMA);
   * const part = (line: number) => pl.DataFrame({
   *   data_type: ["trades"], exchange: ["binance"], rule: ["r"], detail: ["d"], raw: ["x"],
   * }).withColumns(
   *   pl.lit("2024-01-01").str.strptime(pl.Date, "%Y-%m-%d").alias("date"),
   *   pl.lit(1).cast(pl.Int64).alias("file_id"),
   *   pl.lit(line).cast(pl.Int64).alias("file_line_number"),
   * );
   * const writer = await repo.beginFileRows({ fileId: 1 });
   * await writer.write(part(2));
   * await writer.write(part(3));
   * const r = await writer.commit();
   * const rows = await repo.readAll();
   * await Deno.remove(dir, { recursive: true });
   * if (r.rowsWritten !== 2 || rows.height !== 2) throw new Error("two parts, one commit");
   * ```
   */
  async beginFileRows(options: WriteFileRowsOptions): Promise<FileRowsWriter> {
    const { fileId } = options;
    const attempt = options.attempt ?? 0;
    const superseded = (options.supersededFileIds ?? []).filter((id) => id !== fileId);
    const appId = this.fileAppId(fileId);
    const replacing = attempt > 0 || superseded.length > 0;
    const skipped = { skipped: true, rowsWritten: 0, rowsRemoved: 0 };
    const nothing = { skipped: false, rowsWritten: 0, rowsRemoved: 0 };
    // A plain append needs no look first: the commit itself skips a txn version that landed.
    const table = replacing ? await this.open() : undefined;
    const landed = table?.transactionVersion(appId);
    const already = landed !== undefined && landed >= attempt;
    let staged: StagedWrite | undefined;
    const begin = async () =>
      staged ??= await StagedWrite.begin(this.uri, {
        ...this.#io,
        partitionBy: [...this.schema.partitionBy],
        txn: { appId, version: attempt },
        targetFileSize: options.targetFileSize,
        growFilesTo: options.growFileBytes,
        ...(table
          ? { mode: "overwrite" as const, predicate: _fileIdFilter([fileId, ...superseded]) }
          : { mode: "append" as const }),
      });
    return {
      write: async (df: DataFrame, writeOptions?: FileRowsWriteOptions) => {
        if (already || df.height === 0) return;
        // Parts come sorted from the caller (table sort order): conform, don't re-sort.
        await (await begin()).stage(this._prepare(df, false), writeOptions);
      },
      commit: async () => {
        if (already) return skipped;
        const rows = staged?.rowsStaged ?? 0;
        if (rows === 0 && (!replacing || !table)) {
          await staged?.abort();
          return nothing; // nothing to commit
        }
        const before = table ? await this._countFiles([fileId, ...superseded]) : 0;
        const write = await begin();
        for (let tries = 1;; tries++) {
          try {
            const res = await write.commit(this._prepare(emptyFrame(this.schema), false));
            if (res.skipped) return skipped;
            return { skipped: false, rowsWritten: rows, rowsRemoved: before };
          } catch (err) {
            if (!(err instanceof CommitConflictError)) throw err;
            // A concurrent process may have committed this very attempt: then ours is a repeat.
            const now = await this.transactionVersion(appId);
            if (now !== undefined && now >= attempt) {
              await write.abort();
              return skipped;
            }
            // Another file created the table first: append to it (the staged files stand).
            if (table || tries >= _CREATE_RETRIES) throw err;
          }
        }
      },
      abort: async () => {
        await staged?.abort();
      },
    };
  }

  /**
   * Delete every row whose `file_id` is one of `fileIds`, in one commit (none when no row
   * matches).
   *
   * @param fileIds File ids whose rows go.
   * @returns Rows deleted.
   */
  async deleteFiles(fileIds: readonly number[]): Promise<number> {
    if (fileIds.length === 0 || !(await this.exists())) return 0;
    const present = await this._countFiles(fileIds);
    if (present === 0) return 0;
    await writeDelta(this.uri, emptyFrame(this.schema), {
      ...this.#io,
      mode: "overwrite",
      predicate: _fileIdFilter(fileIds),
    });
    return present;
  }

  /** Rows whose `file_id` is in `fileIds` (statistics prune the files read). */
  private async _countFiles(fileIds: readonly number[]): Promise<number> {
    const df = await readDelta(this.uri, {
      columns: ["file_id"],
      filter: _fileIdFilter(fileIds),
      ...this.#io,
    });
    return df.height;
  }

  /** Conform `df` to the table schema and sort it by the schema's sort columns. */
  private _prepare(df: pl.DataFrame, sort = true): pl.DataFrame {
    const rows = conformToSchema(df, this.schema);
    return sort && this.schema.sortBy.length > 0 && rows.height > 1
      ? rows.sort([...this.schema.sortBy])
      : rows;
  }

  /** The `txn` app id of this table's serial writer. */
  private _serialAppId(): string {
    return `pointline:${this.schema.name}:writer`;
  }

  /** The serialising `txn` of a rewrite, after checking no rewrite landed since `readAll`. */
  private async _serialTxn(): Promise<{ txn?: { appId: string; version: number } }> {
    if (!this.#serialize) return {};
    const table = await this.open();
    const now = table?.transactionVersion(this._serialAppId()) ?? 0;
    const seen = this.#serialSeen ?? now;
    if (now !== seen) {
      throw new CommitConflictError(
        table?.version ?? 0,
        `"${this.schema.name}" was rewritten since it was read`,
      );
    }
    return { txn: { appId: this._serialAppId(), version: now + 1 } };
  }

  /**
   * The table's latest snapshot.
   *
   * @returns The opened table, or `undefined` when it does not exist yet.
   * @example
   * ```ts
   * import { DeltaTableRepo } from "./delta_table_repo.ts";
   * import { INGEST_MANIFEST_SCHEMA } from "../domain/ingest_manifest.ts";
   * const repo = new DeltaTableRepo(await Deno.makeTempDir(), INGEST_MANIFEST_SCHEMA);
   * if ((await repo.open()) !== undefined) throw new Error("no table yet");
   * ```
   */
  async open(): Promise<DeltaTable | undefined> {
    try {
      return await DeltaTable.open(this.uri, this.#io);
    } catch (err) {
      if (err instanceof TableNotFoundError) return undefined;
      throw err;
    }
  }
}

/** Commits of a first write that may lose the race to create the table. */
const _CREATE_RETRIES = 3;

function _fileIdFilter(fileIds: readonly number[]): Filter {
  return [["file_id", "in", [...fileIds]]];
}
