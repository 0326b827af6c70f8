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
 *
 * @module
 */
import type pl from "nodejs-polars";
import type { AddAction } from "./actions.ts";
import { type ParquetCompression, writeDataFiles } from "./data_file_writer.ts";
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
  /** Split one staged frame's partition into files of about this many bytes. @default {104857600} */
  targetFileSize?: number;
  /** Parquet codec. @default {"zstd"} */
  compression?: ParquetCompression;
  /** Idempotency marker committed with the files. @default {undefined} */
  txn?: { appId: string; version: number };
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

  /** The `add` actions of the files staged so far. */
  get stagedFiles(): readonly AddAction[] {
    return this.#adds;
  }

  /**
   * Write `df` as data files (not yet visible to readers).
   *
   * @param df Rows fitting the table schema (and the predicate, if any).
   * @throws {SchemaMismatchError} When the rows do not fit the table schema.
   * @throws {RangeError} When a row does not match the overwrite predicate.
   * @throws {Error} When the write was already committed or aborted.
   */
  async stage(df: pl.DataFrame): Promise<void> {
    this._open();
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
    const adds = await writeDataFiles(this.#storage, data, {
      partitionColumns: this.#options.partitionBy ?? [],
      targetFileSize: this.#options.targetFileSize,
      compression: this.#options.compression,
      configuration: this.#configuration,
    });
    this.#adds.push(...adds);
    this.#rows += data.height;
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
   */
  async commit(empty?: pl.DataFrame): Promise<WriteResult> {
    this._open();
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
