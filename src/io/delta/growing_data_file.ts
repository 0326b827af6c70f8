/**
 * A Parquet data file grown across several writes: each write appends the row groups of one
 * complete Parquet file (see {@linkcode ParquetAppender}) to an upload streamed to storage, so a
 * file of hundreds of MiB is written while only one write's encoded bytes are held.
 *
 * Rules:
 * - The object is written with {@linkcode ObjectStorage.putStream} (atomic, exclusive): it
 *   appears under its key only when {@linkcode GrowingDataFile.close} completes. Until then
 *   nothing is visible, except, on local storage, a `.<uuid>.tmp` file next to it that a killed
 *   writer leaves and `vacuum` removes (on S3, an incomplete multipart upload, which is not an
 *   object and which `vacuum` aborts).
 * - {@linkcode GrowingDataFile.append} waits until storage has taken the bytes (backpressure): at
 *   most one write's bytes, plus the storage's own part buffers, are held.
 * - A failed append, close or upload, and {@linkcode GrowingDataFile.abort}, cancel the upload:
 *   no object is left under the key, so no commit can reference a partial file.
 * - The `add` statistics are those of {@linkcode computeFileStats} over all the file's rows
 *   (see {@linkcode FileStatsAccumulator}).
 * - Storage without `putStream` gets one `put` at the close (the bytes are then held).
 *
 * @module
 */
import type pl from "nodejs-polars";
import type { AddAction } from "./actions.ts";
import { FileStatsAccumulator } from "./data_file_writer.ts";
import { ParquetAppender } from "./parquet_append.ts";
import { encodeActionPath } from "./partition_path.ts";
import type { ObjectStorage } from "./storage.ts";

/** Options of {@linkcode GrowingDataFile.open}. */
export interface GrowingDataFileOptions {
  /** Partition values of the `add` action. @default {{}} */
  partitionValues?: Record<string, string | null>;
  /** Columns with statistics (see {@linkcode FileStatsAccumulator}). @default {all columns} */
  statsColumns?: string[];
  /** The `add` action's `dataChange`. @default {true} */
  dataChange?: boolean;
  /** Clock for `modificationTime` (ms since epoch). @default {Date.now} */
  now?: () => number;
}

/** One data file written across several appends. */
export class GrowingDataFile {
  /** The object's key. */
  readonly key: string;
  readonly #storage: ObjectStorage;
  readonly #options: GrowingDataFileOptions;
  readonly #appender = new ParquetAppender();
  readonly #stats: FileStatsAccumulator;
  #upload: _Upload | undefined;
  #state: "open" | "closed" | "aborted" = "open";

  private constructor(storage: ObjectStorage, key: string, options: GrowingDataFileOptions) {
    this.key = key;
    this.#storage = storage;
    this.#options = options;
    this.#stats = new FileStatsAccumulator({ columns: options.statsColumns });
  }

  /**
   * Start a data file at `key` (nothing is written before the first append).
   *
   * @param storage Storage rooted at the table root.
   * @param key The new object's key (it must not exist).
   * @param options Partition values, statistics columns, `dataChange`, clock.
   * @returns The open file.
   * @example
   * ```ts
   * import pl from "nodejs-polars";
   * import { GrowingDataFile } from "./growing_data_file.ts";
   * import { MemoryStorage } from "./memory_storage.ts";
   * const storage = new MemoryStorage();
   * const file = GrowingDataFile.open(storage, "part-0.parquet");
   * for (const x of [[1, 2], [3]]) {
   *   const rows = pl.DataFrame({ x });
   *   await file.append(new Uint8Array(rows.writeParquet()), rows);
   * }
   * const add = await file.close();
   * if (JSON.parse(add.stats!).numRecords !== 3 || add.size !== (await storage.head(add.path)).size) {
   *   throw new Error("one file of three rows");
   * }
   * ```
   */
  static open(
    storage: ObjectStorage,
    key: string,
    options: GrowingDataFileOptions = {},
  ): GrowingDataFile {
    return new GrowingDataFile(storage, key, options);
  }

  /** Bytes of the file so far (without its footer). */
  get size(): number {
    return this.#appender.bytesEmitted;
  }

  /** Rows appended so far. */
  get numRecords(): number {
    return this.#stats.numRecords;
  }

  /**
   * Append the row groups of one complete Parquet file holding `rows`.
   *
   * @param parquet The encoded file (same schema as the first append).
   * @param rows The rows it holds (for the statistics).
   * @throws {ParquetAppendError} When `parquet` cannot be appended (another schema).
   * @throws {Error} When the upload failed (the file is then aborted) or the file is not open.
   */
  async append(parquet: Uint8Array, rows: pl.DataFrame): Promise<void> {
    this.#open();
    let parts: Uint8Array[];
    try {
      parts = this.#appender.append(parquet);
    } catch (err) {
      await this.abort();
      throw err;
    }
    this.#stats.add(rows);
    this.#upload ??= new _Upload(this.#storage, this.key);
    try {
      for (const p of parts) await this.#upload.write(p);
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /**
   * Write the footer and finish the upload: the object is then visible under its key.
   *
   * @returns The file's `add` action.
   * @throws {Error} When nothing was appended, the upload failed (the file is then aborted), or
   *   the file is not open.
   */
  async close(): Promise<AddAction> {
    this.#open();
    if (this.#upload === undefined) {
      this.#state = "aborted";
      throw new Error(`Cannot close data file "${this.key}": nothing was appended`);
    }
    try {
      await this.#upload.write(this.#appender.finish());
      await this.#upload.end();
    } catch (err) {
      await this.abort();
      throw err;
    }
    this.#state = "closed";
    return {
      path: encodeActionPath(this.key),
      partitionValues: { ...(this.#options.partitionValues ?? {}) },
      size: this.#appender.bytesEmitted,
      modificationTime: (this.#options.now ?? Date.now)(),
      dataChange: this.#options.dataChange ?? true,
      stats: this.#stats.stats(),
    };
  }

  /**
   * Cancel the upload (nothing is left under the key); safe to call more than once. A closed
   * file is not touched (delete it as any staged file).
   *
   * @example
   * ```ts
   * import pl from "nodejs-polars";
   * import { GrowingDataFile } from "./growing_data_file.ts";
   * import { MemoryStorage } from "./memory_storage.ts";
   * const storage = new MemoryStorage();
   * const file = GrowingDataFile.open(storage, "part-0.parquet");
   * const rows = pl.DataFrame({ x: [1] });
   * await file.append(new Uint8Array(rows.writeParquet()), rows);
   * await file.abort();
   * if ((await storage.list("")).length !== 0) throw new Error("nothing may be left");
   * ```
   */
  async abort(): Promise<void> {
    if (this.#state !== "open") return;
    this.#state = "aborted";
    await this.#upload?.cancel();
  }

  #open(): void {
    if (this.#state !== "open") {
      throw new Error(`Data file "${this.key}" is already ${this.#state}`);
    }
  }
}

/**
 * A `putStream` fed chunk by chunk: `write` resolves once storage has pulled the chunk, and
 * rejects as soon as the upload fails.
 */
class _Upload {
  readonly #done: Promise<void>;
  readonly #chunks: Uint8Array[] = []; // storage without putStream: held until the end
  readonly #stream: boolean;
  #offer: { bytes: Uint8Array | null; taken: () => void } | undefined;
  #wake: (() => void) | undefined;
  #failure: unknown;
  #settled = false;
  readonly #storage: ObjectStorage;
  readonly #key: string;

  constructor(storage: ObjectStorage, key: string) {
    this.#storage = storage;
    this.#key = key;
    this.#stream = storage.putStream !== undefined;
    if (!this.#stream) {
      this.#done = Promise.resolve();
      return;
    }
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        while (this.#offer === undefined && this.#failure === undefined) {
          await new Promise<void>((resolve) => this.#wake = resolve);
        }
        if (this.#failure !== undefined) {
          controller.error(this.#failure);
          return;
        }
        const offer = this.#offer!;
        this.#offer = undefined;
        if (offer.bytes === null) controller.close();
        else controller.enqueue(offer.bytes);
        offer.taken();
      },
      cancel: (reason) => {
        this.#failure ??= reason ?? new Error("upload cancelled");
      },
    }, { highWaterMark: 0 });
    this.#done = storage.putStream!(key, body, { overwrite: false });
    this.#done.then(
      () => this.#settled = true,
      (err) => {
        this.#settled = true;
        this.#failure ??= err;
      },
    );
  }

  /** Hand `bytes` (or the end, `null`) to storage; resolves when taken. */
  #put(bytes: Uint8Array | null): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const taken = new Promise<void>((resolve) => {
      this.#offer = { bytes, taken: resolve };
    });
    this.#wake?.();
    this.#wake = undefined;
    // the upload may fail or stop reading: reject then instead of waiting forever
    return Promise.race([
      taken,
      this.#done.then(() => {
        if (this.#offer !== undefined) throw new Error("Upload ended before taking all bytes");
      }),
    ]);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.#stream) {
      this.#chunks.push(bytes.slice());
      return;
    }
    await this.#put(bytes);
  }

  async end(): Promise<void> {
    if (!this.#stream) {
      const size = this.#chunks.reduce((n, c) => n + c.length, 0);
      const all = new Uint8Array(size);
      let at = 0;
      for (const c of this.#chunks) {
        all.set(c, at);
        at += c.length;
      }
      this.#chunks.length = 0;
      await this.#storage.put(this.#key, all, { overwrite: false });
      return;
    }
    await this.#put(null);
    await this.#done;
  }

  async cancel(): Promise<void> {
    this.#chunks.length = 0;
    if (!this.#stream || this.#settled) {
      if (this.#settled && this.#failure === undefined) {
        // the upload completed (a failure after it): remove the object
        await this.#storage.delete(this.#key).catch(() => {});
      }
      return;
    }
    this.#failure ??= new Error("Upload aborted");
    this.#wake?.();
    this.#wake = undefined;
    this.#offer?.taken();
    this.#offer = undefined;
    await this.#done.catch(() => {});
  }
}
