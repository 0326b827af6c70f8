/**
 * A write staged in pieces and committed once: data files are written to the table's storage
 * as the rows arrive ({@linkcode StagedWrite.stage}), and one commit adds them all, with any
 * removals and `txn` of the write ({@linkcode StagedWrite.commit}).
 *
 * Rules:
 * - Staged files are invisible until the commit: no reader of the table sees them, so a
 *   crash before the commit leaves only unreferenced files, which `vacuum` removes (they are
 *   orphans of a killed writer). {@linkcode StagedWrite.abort} deletes them at once.
 * - Every staged frame must fit the table schema (the existing table's, else the first staged
 *   frame's, which creates the table at the commit) and, for a replaceWhere overwrite, the
 *   `predicate` given to {@linkcode StagedWrite.begin}; a frame that does not is rejected when
 *   staged, before any of its files is written.
 * - The commit is `writeDelta`'s commit: the same modes, conflict rules, isolation and `txn`
 *   idempotency. When the `txn` already landed (a re-run), nothing is committed, the staged
 *   files are deleted and the result says `skipped`.
 * - Storage is the table's {@linkcode ObjectStorage}: nothing assumes a local path.
 * - With `growFilesTo`, each partition keeps one data file open across `stage` calls: every
 *   staged frame's Parquet row groups are appended to it (streamed to storage, see
 *   {@linkcode GrowingDataFile}; nothing is re-encoded and only one frame's bytes are held), and
 *   the file is closed once it holds `growFilesTo` bytes, when a stage asks for a new file
 *   (`{ newFile: true }`, e.g. when the rows would break the file's sort order), or at the
 *   commit. Its `add` statistics equal those of the whole file. An open file is invisible (not
 *   even listed) until closed; a failure or {@linkcode StagedWrite.abort} cancels it.
 *
 * @module
 */
import type pl from "nodejs-polars";
import type { AddAction } from "./actions.ts";
import {
  dataFileKey,
  dataFileStatsColumns,
  encodeDataFiles,
  type ParquetCompression,
  writeDataFiles,
} from "./data_file_writer.ts";
import { GrowingDataFile } from "./growing_data_file.ts";
import { decodeDeltaPath } from "./actions.ts";
import { type Filter, filterToExpr } from "./predicate.ts";
import type { ObjectStorage } from "./storage.ts";
import { storageForUri, type StorageLocationOptions } from "./storage_for_uri.ts";
import {
  reconcileSchema,
  tryLoadSnapshot,
  writeDelta,
  type WriteDeltaOptions,
  type WriteResult,
} from "./write_delta.ts";

/** Options of {@linkcode StagedWrite.begin}. */
export interface StagedWriteOptions extends StorageLocationOptions {
  /** `"append"` or `"overwrite"` (with `predicate`: replaceWhere). @default {"append"} */
  mode?: "append" | "overwrite";
  /** Partition columns (of a new table; must equal an existing table's). @default {[]} */
  partitionBy?: string[];
  /** With mode `"overwrite"`: replace only the rows matching it. @default {undefined} */
  predicate?: Filter;
  /**
   * Split one staged frame's partition into files of about this many bytes.
   * @default {104857600, or growFilesTo when set}
   */
  targetFileSize?: number;
  /**
   * Grow each partition's data file across `stage` calls until it holds at least this many
   * bytes (see the module doc); unset: every stage writes its own files.
   * @default {undefined}
   */
  growFilesTo?: number;
  /** Parquet codec. @default {"zstd"} */
  compression?: ParquetCompression;
  /** Idempotency marker committed with the files. @default {undefined} */
  txn?: { appId: string; version: number };
}

/** Options of {@linkcode StagedWrite.stage}. */
export interface StageOptions {
  /**
   * With `growFilesTo`: close the open data files first, so these rows start new ones (keeps
   * each file sorted when the rows sort before the rows staged last).
   * @default {false}
   */
  newFile?: boolean;
}

/** Data files staged for one commit of a Delta table. */
export class StagedWrite {
  readonly #uri: string;
  readonly #storage: ObjectStorage;
  readonly #options: StagedWriteOptions;
  #schemaOf: ((df: pl.DataFrame) => pl.DataFrame) | undefined;
  #template: pl.DataFrame | undefined;
  #configuration: Record<string, string> = {};
  #adds: AddAction[] = [];
  #rows = 0;
  #done = false;
  /** Open (growing) data files by partition folder. */
  #growing = new Map<string, GrowingDataFile>();
  #counter = 0;

  private constructor(uri: string, storage: ObjectStorage, options: StagedWriteOptions) {
    this.#uri = uri;
    this.#storage = storage;
    this.#options = options;
  }

  /**
   * Start a staged write (reads the table's schema, if the table exists).
   *
   * @param uri Table location.
   * @param options Mode, partitioning, predicate, file size, codec, storage and `txn`.
   * @returns The staged write.
   * @throws {TypeError} When `predicate` is given without mode `"overwrite"`.
   * @example
   * ```ts
   * import pl from "nodejs-polars";
   * import { StagedWrite } from "./staged_write.ts";
   * import { MemoryStorage } from "./memory_storage.ts";
   * const storage = new MemoryStorage();
   * const w = await StagedWrite.begin("mem://t", { storage, txn: { appId: "a", version: 0 } });
   * await w.stage(pl.DataFrame({ x: [1, 2] }));
   * await w.stage(pl.DataFrame({ x: [3] }));
   * const r = await w.commit();
   * if (r.version !== 0 || r.filesAdded !== 2 || r.rowsWritten !== 3) throw new Error("one commit");
   * ```
   */
  static async begin(uri: string, options: StagedWriteOptions = {}): Promise<StagedWrite> {
    if (options.predicate !== undefined && options.mode !== "overwrite") {
      throw new TypeError(`Invalid staged write: predicate needs mode "overwrite"`);
    }
    const storage = storageForUri(uri, options);
    const write = new StagedWrite(uri, storage, options);
    const snapshot = await tryLoadSnapshot(storage);
    if (snapshot) {
      const schema = snapshot.schema;
      write.#schemaOf = (df) => reconcileSchema(schema, df).df;
      write.#configuration = snapshot.metadata.configuration;
    }
    return write;
  }

  /** Rows staged so far. */
  get rowsStaged(): number {
    return this.#rows;
  }

  /** The `add` actions of the files staged so far (closed files; open ones are added when closed). */
  get stagedFiles(): readonly AddAction[] {
    return this.#adds;
  }

  /**
   * Write `df` as data files (not yet visible to readers).
   *
   * @param df Rows fitting the table schema (and the predicate, if any).
   * @param options `newFile` (with `growFilesTo`).
   * @throws {SchemaMismatchError} When the rows do not fit the table schema.
   * @throws {RangeError} When a row does not match the overwrite predicate.
   * @throws {Error} When the write was already committed or aborted.
   */
  async stage(df: pl.DataFrame, options: StageOptions = {}): Promise<void> {
    this._open();
    if (options.newFile) await this.closeOpenFiles();
    if (df.height === 0) return;
    const data = this.#schemaOf ? this.#schemaOf(df) : df;
    this.#template ??= data.head(0);
    if (this.#options.predicate !== undefined) {
      const expr = filterToExpr(this.#options.predicate);
      const bad = data.height - data.filter(expr).height;
      if (bad > 0) {
        throw new RangeError(
          `Cannot stage rows: ${bad} of ${data.height} rows do not match the overwrite predicate`,
        );
      }
    }
    const writerOptions = {
      partitionColumns: this.#options.partitionBy ?? [],
      targetFileSize: this.#options.targetFileSize ?? this.#options.growFilesTo,
      compression: this.#options.compression,
      configuration: this.#configuration,
    };
    const grow = this.#options.growFilesTo;
    if (grow === undefined) {
      this.#adds.push(...await writeDataFiles(this.#storage, data, writerOptions));
      this.#rows += data.height;
      return;
    }
    const statsColumns = dataFileStatsColumns(data.columns, writerOptions);
    for (const file of encodeDataFiles(data, writerOptions)) {
      let open = this.#growing.get(file.folder);
      if (open === undefined) {
        const key = dataFileKey(file.folder, this.#counter++, writerOptions.compression);
        open = GrowingDataFile.open(this.#storage, key, {
          partitionValues: file.partitionValues,
          statsColumns,
        });
        this.#growing.set(file.folder, open);
      }
      try {
        await open.append(file.bytes, file.rows);
      } catch (err) {
        this.#growing.delete(file.folder); // aborted by the failed append
        throw err;
      }
      if (open.size >= grow) {
        this.#growing.delete(file.folder);
        this.#adds.push(await open.close());
      }
    }
    this.#rows += data.height;
  }

  /**
   * Close the open (growing) data files: they become staged files, and the next stage starts
   * new ones. Nothing happens without `growFilesTo`.
   *
   * @throws {Error} When an upload fails (that file is cancelled; abort the write).
   * @example
   * ```ts
   * import pl from "nodejs-polars";
   * import { StagedWrite } from "./staged_write.ts";
   * import { MemoryStorage } from "./memory_storage.ts";
   * const w = await StagedWrite.begin("mem://t", { storage: new MemoryStorage(), growFilesTo: 1 << 30 });
   * await w.stage(pl.DataFrame({ x: [1] }));
   * await w.stage(pl.DataFrame({ x: [2] }));
   * const before = w.stagedFiles.length;
   * await w.closeOpenFiles();
   * if (before !== 0 || w.stagedFiles.length !== 1) throw new Error("one grown file, closed");
   * ```
   */
  async closeOpenFiles(): Promise<void> {
    const open = [...this.#growing.values()];
    this.#growing.clear();
    for (let i = 0; i < open.length; i++) {
      try {
        this.#adds.push(await open[i].close());
      } catch (err) {
        for (const rest of open.slice(i + 1)) await rest.abort().catch(() => {});
        throw err;
      }
    }
  }

  /**
   * Commit every staged file in one commit (with the removals of an overwrite and the `txn`).
   *
   * @param empty A frame with the table's columns, used to create the table when nothing was
   * staged and the table does not exist yet. @default {undefined}
   * @returns `writeDelta`'s result; `skipped` when the `txn` had already landed (the staged
   * files are then deleted).
   * @throws {CommitConflictError} When a concurrent commit conflicts (staged files are kept
   * for a retry or {@linkcode StagedWrite.abort}).
   * @throws {Error} When closing an open data file fails (abort the write).
   */
  async commit(empty?: pl.DataFrame): Promise<WriteResult> {
    this._open();
    await this.closeOpenFiles();
    const frame = this.#template ?? empty?.head(0);
    const options: WriteDeltaOptions = {
      mode: this.#options.mode ?? "append",
      partitionBy: this.#options.partitionBy,
      predicate: this.#options.predicate,
      storage: this.#storage,
      txn: this.#options.txn,
      stagedFiles: this.#adds,
    };
    if (frame === undefined) {
      throw new TypeError("Cannot commit a staged write with no rows and no empty frame");
    }
    const result = await writeDelta(this.#uri, frame, options);
    this.#done = true;
    if (result.skipped) await this._deleteStaged();
    return result;
  }

  /**
   * Delete the staged files; the write is then over. Safe to call after a failed commit.
   *
   * @example
   * ```ts
   * import pl from "nodejs-polars";
   * import { StagedWrite } from "./staged_write.ts";
   * import { MemoryStorage } from "./memory_storage.ts";
   * const storage = new MemoryStorage();
   * const w = await StagedWrite.begin("mem://t", { storage });
   * await w.stage(pl.DataFrame({ x: [1] }));
   * await w.abort();
   * if ((await storage.list("")).length !== 0) throw new Error("files left");
   * ```
   */
  async abort(): Promise<void> {
    this.#done = true;
    const open = [...this.#growing.values()];
    this.#growing.clear();
    for (const file of open) await file.abort().catch(() => {});
    await this._deleteStaged();
  }

  private async _deleteStaged(): Promise<void> {
    const adds = this.#adds;
    this.#adds = [];
    for (const add of adds) await this.#storage.delete(decodeDeltaPath(add.path));
  }

  private _open(): void {
    if (this.#done) throw new Error("Staged write already committed or aborted");
  }
}
