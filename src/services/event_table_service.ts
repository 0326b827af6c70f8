/**
 * The shared base of the event-table services: one bronze file in, rows and quarantined rows
 * committed exactly once.
 *
 * Steps for a file: read its bytes from the {@linkcode BronzeSource}; gunzip (`.gz` names) —
 * an **empty gzip** is a successful file with no rows, a **corrupt or truncated gzip**, an
 * empty (0-byte) `.gz` file or gzip content named `.csv` fails with a clear message and writes
 * nothing; parse, validate, resolve
 * symbols and encode with the domain's `transformTardisFile`; then commit the quarantined rows
 * and the rows through the repositories' exactly-once `writeFileRows` (see
 * `delta_table_repo.ts`), replacing rows of earlier attempts and of superseded file ids.
 *
 * Outcome: `success` when the file wrote rows or had none; `quarantined` when every row was
 * rejected (for example no `dim_symbol` coverage: nothing reaches the event table, the rows
 * wait in the quarantine table with their rule and line); `failed` (as a thrown
 * {@linkcode FileIngestError} or another error) when the file could not be read or parsed, in
 * which case nothing is written.
 *
 * The service depends only on the repository interfaces of `src/io/protocols.ts`.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { Readable } from "node:stream";
import { createGunzip, gunzipSync } from "node:zlib";
import pl from "nodejs-polars";
import type { DataFrame } from "../polars_types.ts";
import type { EventTableSpec } from "../domain/event_table.ts";
import { EVENT_SORT_BY, sortEventRows, transformTardisFile } from "../domain/event_table.ts";
import { QUARANTINE_SCHEMA } from "../domain/quarantine.ts";
import { emptyFrame } from "../domain/table_schema.ts";
import type {
  BronzeFileMetadata,
  BronzeSource,
  EventTableRepository,
  IngestStatus,
  WriteFileRowsOptions,
} from "../io/protocols.ts";
import { collectGarbage } from "./collect_garbage.ts";
import { concatBytes, csvLineChunks } from "./csv_line_chunks.ts";

/** A file that cannot be ingested at all (unreadable, corrupt gzip). Nothing was written. */
export class FileIngestError extends Error {
  /** The bronze path. */
  readonly bronzePath: string;
  /**
   * Create the error.
   *
   * @param bronzePath The bronze path.
   * @param message What is wrong.
   * @param options Standard error options.
   * @example
   * ```ts
   * import { FileIngestError } from "./event_table_service.ts";
   * const e = new FileIngestError("a.csv.gz", `Cannot read "a.csv.gz": gone`);
   * if (e.name !== "FileIngestError" || e.bronzePath !== "a.csv.gz") throw new Error("bad error");
   * ```
   */
  constructor(bronzePath: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FileIngestError";
    this.bronzePath = bronzePath;
  }
}

/** Where one file is going and what to resolve it against. */
export interface IngestFileContext {
  /** The file's manifest id. */
  fileId: number;
  /** Ingest attempt (0 first). @default {0} */
  attempt?: number;
  /** Older ids of the same path whose rows this file replaces. @default {[]} */
  supersededFileIds?: readonly number[];
  /** The `dim_symbol` table. */
  dim: DataFrame;
  /**
   * Working-set budget of this file in bytes (see {@linkcode EventTableServiceOptions}).
   * @default {the service's memoryBytes}
   */
  memoryBytes?: number;
  /**
   * Data file size of a streamed file in bytes (see {@linkcode EventTableServiceOptions}).
   * @default {the service's fileTargetBytes}
   */
  fileTargetBytes?: number;
}

/** What ingesting one file did. */
export interface FileIngestOutcome {
  /** `success` or `quarantined` (failures throw). */
  status: Exclude<IngestStatus, "pending" | "failed">;
  /** Data rows in the file. */
  rowsRead: number;
  /** Rows in the event table from this file (also when this attempt had already landed). */
  rowsWritten: number;
  /** Rows in the quarantine table from this file. */
  rowsQuarantined: number;
  /** Smallest `ts_local_us` of the written rows, or null. */
  tsLocalMinUs: number | null;
  /** Largest `ts_local_us` of the written rows, or null. */
  tsLocalMaxUs: number | null;
  /** A one-line summary when rows were quarantined: counts by rule, every rule named. */
  message: string | null;
  /** True when the commit had already landed (a re-run after a crash). */
  skipped: boolean;
}

/** Options of {@linkcode EventTableService}. */
export interface EventTableServiceOptions {
  /** The event table's domain spec. */
  spec: EventTableSpec;
  /** The event table. */
  repo: EventTableRepository;
  /** The quarantine table. */
  quarantine: EventTableRepository;
  /** Where bronze files are read from. */
  source: BronzeSource;
  /**
   * Working-set budget of one file in bytes. A file that may not fit (more than
   * `memoryBytes / 16` of CSV, judged from its size before reading; `/ 64` for tables with
   * list columns such as `book_snapshot_25`, whose rows take several times their CSV size) is
   * streamed: read and gunzipped block by block, cut into parts of that many CSV bytes at line
   * boundaries, each part transformed, and the encoded rows written (sorted) whenever two parts
   * have produced them, appended to the open data file (see `fileTargetBytes`); everything
   * lands in one commit. Smaller
   * files are read whole (faster for small files). Streaming needs the source's `openStream`
   * and the repositories' `beginFileRows`; without them every file is read whole.
   * @default {1 GiB}
   */
  memoryBytes?: number;
  /**
   * Data file size of a streamed file in bytes: its flushes append Parquet row groups to one
   * open data file (streamed to storage, so only one flush is held) until the file holds at
   * least this many bytes (it ends up to one flush larger); a new file also starts when a flush's first `(symbol_id, ts_local_us,
   * file_line_number)` sorts before the previous flush's last, so every file stays sorted. The
   * last file of a file is smaller; a file read whole writes one data file per partition (cut
   * past 100 MiB).
   * @default {256 MiB}
   */
  fileTargetBytes?: number;
}

/** Default data file size of a streamed file: 256 MiB. */
export const DEFAULT_DATA_FILE_BYTES = 256 * 2 ** 20;

/** Default working-set budget of one file: 1 GiB. */
export const DEFAULT_FILE_MEMORY_BYTES = 1024 * 2 ** 20;

/**
 * Decompress a bronze file by its name: `.gz` is gunzipped (an empty gzip gives zero bytes).
 *
 * @param bytes The raw file.
 * @param bronzePath Its path (the extension decides).
 * @returns The CSV bytes.
 * @throws {FileIngestError} For an empty file, a non-gzip file named `.gz`, a gzip file not
 * named `.gz`, or a corrupt or truncated gzip stream.
 * @example
 * ```ts
 * import { gzipSync } from "node:zlib";
 * import { decompressBronze } from "./event_table_service.ts";
 * const out = decompressBronze(gzipSync(new Uint8Array(0)), "a.csv.gz");
 * if (out.length !== 0) throw new Error("empty gzip is empty CSV");
 * let msg = "";
 * try { decompressBronze(new Uint8Array(0), "a.csv.gz"); } catch (e) { msg = (e as Error).message; }
 * if (!msg.includes("0 bytes")) throw new Error(msg);
 * ```
 */
export function decompressBronze(bytes: Uint8Array, bronzePath: string): Uint8Array {
  _checkBronzeHead(bytes, bronzePath);
  if (!bronzePath.endsWith(".gz")) return bytes;
  try {
    const out = gunzipSync(bytes, { chunkSize: _outputChunkSize(bytes) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw _corruptGzip(bronzePath, err);
  }
}

function _corruptGzip(bronzePath: string, err: unknown): FileIngestError {
  const why = err instanceof Error ? err.message : String(err);
  return new FileIngestError(
    bronzePath,
    `Cannot decompress "${bronzePath}": corrupt or truncated gzip: ${why}`,
    { cause: err },
  );
}

/**
 * The checks made on a file's first bytes (`head`: at least two, or the whole file): a `.gz`
 * file must not be empty and must start with the gzip magic number; any other file must not.
 */
function _checkBronzeHead(head: Uint8Array, bronzePath: string): void {
  if (!bronzePath.endsWith(".gz")) {
    if (_isGzip(head)) {
      throw new FileIngestError(
        bronzePath,
        `Cannot parse "${bronzePath}": it is gzip-compressed but not named .gz; rename it`,
      );
    }
    return;
  }
  if (head.length === 0) {
    throw new FileIngestError(
      bronzePath,
      `Cannot decompress "${bronzePath}": file is empty (0 bytes)`,
    );
  }
  if (!_isGzip(head)) {
    throw new FileIngestError(bronzePath, `Cannot decompress "${bronzePath}": not a gzip stream`);
  }
}

/** Whether `bytes` start with the gzip magic number (1F 8B). */
function _isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompress a bronze byte stream by its name, as a stream: `.gz` is gunzipped block by block
 * (never whole); other names pass through. Same rules and messages as
 * {@linkcode decompressBronze}: an empty gzip gives no bytes; an empty file, a non-gzip file
 * named `.gz` or a corrupt or truncated stream fails with a {@linkcode FileIngestError}.
 *
 * @param raw The file's bytes as a stream.
 * @param bronzePath Its path (the extension decides).
 * @yields The decompressed bytes, in blocks.
 * @throws {FileIngestError} As described above, while iterating.
 * @example
 * ```ts
 * import { gzipSync } from "node:zlib";
 * import { decompressBronzeStream } from "./event_table_service.ts";
 * const gz = gzipSync(new TextEncoder().encode("a\n1\n"));
 * let text = "";
 * for await (const b of decompressBronzeStream(new Blob([gz]).stream(), "a.csv.gz")) {
 *   text += new TextDecoder().decode(b);
 * }
 * if (text !== "a\n1\n") throw new Error(text);
 * ```
 */
export async function* decompressBronzeStream(
  raw: ReadableStream<Uint8Array>,
  bronzePath: string,
): AsyncGenerator<Uint8Array> {
  const reader = raw.getReader();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  while (headBytes < 2) {
    const { done, value } = await reader.read();
    if (done) break;
    head.push(value);
    headBytes += value.length;
  }
  const first = head.length === 0 ? new Uint8Array(0) : concatBytes(head, headBytes);
  try {
    _checkBronzeHead(first, bronzePath);
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  }
  async function* compressed(): AsyncGenerator<Uint8Array> {
    if (first.length > 0) yield first;
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  }
  if (!bronzePath.endsWith(".gz")) {
    yield* compressed();
    return;
  }
  const gunzip = Readable.from(compressed(), { objectMode: false })
    .pipe(createGunzip({ chunkSize: _STREAM_CHUNK }));
  try {
    for await (const block of gunzip) {
      const b = block as Buffer;
      yield new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
  } catch (err) {
    throw _corruptGzip(bronzePath, err);
  } finally {
    gunzip.destroy();
    await reader.cancel().catch(() => {});
  }
}

/** Output block of the streamed gunzip (1 MiB: far faster than zlib's 16 KiB default). */
const _STREAM_CHUNK = 1024 * 1024;

/**
 * The output chunk size for gunzipping `gz`: the stream's own size field (ISIZE, the last
 * four bytes: the uncompressed size modulo 2^32) plus one byte, so the usual file inflates in
 * one call into one buffer instead of thousands of 16 KiB chunks concatenated at the end
 * (about a third of the gunzip time). Only a hint: a wrong size (several members, a file over
 * 4 GiB, a corrupt trailer) just means more chunks; it is bounded so a bogus trailer cannot
 * make us allocate far more than the stream could plausibly inflate to.
 */
function _outputChunkSize(gz: Uint8Array): number {
  if (gz.byteLength < 18) return _MIN_CHUNK; // shorter than any whole gzip stream
  const isize = new DataView(gz.buffer, gz.byteOffset + gz.byteLength - 4, 4).getUint32(0, true);
  const plausible = Math.min(gz.byteLength * 64, _MAX_CHUNK);
  return Math.max(_MIN_CHUNK, Math.min(isize + 1, plausible));
}

const _MIN_CHUNK = 64 * 1024;
const _MAX_CHUNK = 1024 * 1024 * 1024;

/** One event table's ingestion of bronze files. */
export class EventTableService {
  /** The event table's domain spec. */
  readonly spec: EventTableSpec;
  #repo: EventTableRepository;
  #quarantine: EventTableRepository;
  #source: BronzeSource;
  #memory: number;
  #fileTarget: number;

  /**
   * Create a `EventTableService`.
   *
   * @param options Spec, repositories, bronze source and memory budget.
   * @example
   * ```ts
   * import { EventTableService } from "./event_table_service.ts";
   * import { EVENT_TABLES } from "../domain/event_tables.ts";
   * import { openDeltaLake } from "../io/delta_lake.ts";
   * const lake = openDeltaLake("/tmp/pointline-example");
   * const svc = new EventTableService({
   *   spec: EVENT_TABLES.trades,
   *   repo: lake.events.trades,
   *   quarantine: lake.quarantine,
   *   source: lake.source,
   * });
   * if (svc.spec.name !== "trades") throw new Error(svc.spec.name);
   * ```
   */
  constructor(options: EventTableServiceOptions) {
    this.spec = options.spec;
    this.#repo = options.repo;
    this.#quarantine = options.quarantine;
    this.#source = options.source;
    this.#memory = options.memoryBytes ?? DEFAULT_FILE_MEMORY_BYTES;
    this.#fileTarget = options.fileTargetBytes ?? DEFAULT_DATA_FILE_BYTES;
  }

  /** The event table's repository. */
  get repo(): EventTableRepository {
    return this.#repo;
  }

  /**
   * Ingest one bronze file exactly once for its `(fileId, attempt)`.
   *
   * @param meta The file.
   * @param ctx File id, attempt, superseded ids and the dim table.
   * @returns Status and counts.
   * @throws {FileIngestError} When the file cannot be read or decompressed (nothing written).
   * @throws {Error} The domain's typed parse errors (bad header, unknown or mismatching
   * exchange); nothing written.
   */
  async ingestFile(meta: BronzeFileMetadata, ctx: IngestFileContext): Promise<FileIngestOutcome> {
    const write = {
      fileId: ctx.fileId,
      attempt: ctx.attempt ?? 0,
      supersededFileIds: ctx.supersededFileIds ?? [],
    };
    const memory = ctx.memoryBytes ?? this.#memory;
    const share = (this.spec.lists ?? []).length > 0 ? _WIDE_CHUNK_SHARE : _CHUNK_SHARE;
    const chunkBytes = Math.max(1, Math.floor(memory / share));
    const bound = meta.file_size_bytes * (meta.bronze_path.endsWith(".gz") ? _GZIP_RATIO_BOUND : 1);
    if (bound > chunkBytes && this._canStream()) {
      return await this._ingestStreaming(meta, ctx, write, chunkBytes);
    }
    let raw: Uint8Array;
    try {
      raw = await this.#source.readFile(meta.bronze_path);
    } catch (err) {
      throw _readError(meta.bronze_path, err);
    }
    const csv = decompressBronze(raw, meta.bronze_path);
    if (csv.length === 0) {
      // An empty gzip: the vendor had no data that day. Still replace older rows, if any.
      const q = await this.#quarantine.writeFileRows(emptyFrame(QUARANTINE_SCHEMA), write);
      const r = await this.#repo.writeFileRows(emptyFrame(this.spec.schema), write);
      return _outcome("success", 0, 0, 0, null, null, null, q.skipped && r.skipped);
    }
    const out = transformTardisFile(this.spec, csv, {
      fileId: ctx.fileId,
      exchange: meta.exchange,
      date: meta.date,
      dim: ctx.dim,
    });
    await this.#quarantine.writeFileRows(out.quarantined, write);
    const r = await this.#repo.writeFileRows(out.rows, write);
    const tally = new _Tally();
    tally.add(out);
    return tally.outcome(r.skipped);
  }

  /** Whether the source and both repositories support streaming. */
  private _canStream(): boolean {
    return this.#source.openStream !== undefined && this.#repo.beginFileRows !== undefined &&
      this.#quarantine.beginFileRows !== undefined;
  }

  /**
   * The streaming path (see {@linkcode EventTableServiceOptions.memoryBytes}): same steps per
   * part, same result as the whole file, in bounded memory. Data files of parts are written
   * as they come; a failure deletes them (a crash leaves them unreferenced for `vacuum`).
   */
  private async _ingestStreaming(
    meta: BronzeFileMetadata,
    ctx: IngestFileContext,
    write: WriteFileRowsOptions,
    chunkBytes: number,
  ): Promise<FileIngestOutcome> {
    let raw: ReadableStream<Uint8Array>;
    try {
      raw = await this.#source.openStream!(meta.bronze_path);
    } catch (err) {
      throw _readError(meta.bronze_path, err);
    }
    const target = ctx.fileTargetBytes ?? this.#fileTarget;
    const grow = { targetFileSize: target, growFileBytes: target };
    const quarantine = await this.#quarantine.beginFileRows!({ ...write, ...grow });
    const rows = await this.#repo.beginFileRows!({ ...write, ...grow });
    const tally = new _Tally();
    const order = new _SortedFiles();
    const pendingRows = new _PartBuffer((df) => {
      const sorted = sortEventRows(df);
      return rows.write(sorted, { newFile: order.breaksOrder(sorted) });
    }, _FLUSH_PARTS);
    const pendingQuarantine = new _PartBuffer((df) => quarantine.write(df), _FLUSH_PARTS);
    try {
      const csv = decompressBronzeStream(raw, meta.bronze_path);
      for await (const part of csvLineChunks(csv, chunkBytes)) {
        const out = transformTardisFile(this.spec, part.bytes, {
          fileId: ctx.fileId,
          exchange: meta.exchange,
          date: meta.date,
          dim: ctx.dim,
          firstLine: part.firstLine,
        });
        tally.add(out);
        await pendingRows.add(out.rows);
        await pendingQuarantine.add(out.quarantined);
        // Parts are large (memoryBytes / 16): collect each one's frames before the next.
        collectGarbage({ always: true });
      }
      await pendingQuarantine.flush();
      await pendingRows.flush();
      await quarantine.commit();
      const r = await rows.commit();
      return tally.outcome(r.skipped);
    } catch (err) {
      await quarantine.abort().catch(() => {});
      await rows.abort().catch(() => {});
      throw err;
    }
  }
}

/**
 * A file is streamed when `memoryBytes / 16` may not hold its CSV, in parts of that size:
 * measured, a trades part peaks at about 5x its CSV while parsed, plus the buffered encoded rows
 * and their sorted copy while written (10M trade rows at 1 GiB: 2.0 GiB peak with / 8).
 */
const _CHUNK_SHARE = 16;
/** Tables with list columns (25 book levels): about 4x more memory per CSV byte. */
const _WIDE_CHUNK_SHARE = 64;
/**
 * Encoded rows are written (appended to the open data file) once this many parts produced them (counted, not
 * judged by CSV bytes: a part ends at the last line boundary before its size, so two parts' bytes
 * never reach twice the part size).
 */
const _FLUSH_PARTS = 2;
/** Upper bound of the gzip ratio of Tardis CSV (judging a file's CSV size before reading it). */
const _GZIP_RATIO_BOUND = 32;

function _readError(bronzePath: string, err: unknown): FileIngestError {
  const why = err instanceof Error ? err.message : String(err);
  return new FileIngestError(bronzePath, `Cannot read "${bronzePath}": ${why}`, { cause: err });
}

/**
 * Frames of up to `parts` parts held, then written as one frame (of their chunks, not copied
 * into one). Parts without rows are not held.
 */
class _PartBuffer {
  #frames: DataFrame[] = [];
  readonly #write: (df: DataFrame) => Promise<void>;
  readonly #parts: number;

  constructor(write: (df: DataFrame) => Promise<void>, parts: number) {
    this.#write = write;
    this.#parts = parts;
  }

  async add(df: DataFrame): Promise<void> {
    if (df.height === 0) return;
    this.#frames.push(df);
    if (this.#frames.length >= this.#parts) await this.flush();
  }

  async flush(): Promise<void> {
    const frames = this.#frames;
    this.#frames = [];
    if (frames.length === 0) return;
    // Not rechunked: the parts' chunks are written as they are (a contiguous copy of a whole
    // flush measured 0.5 s and ~200 MiB more peak per 10M trade rows, for no faster write).
    await this.#write(
      frames.length === 1 ? frames[0] : pl.concat(frames, { how: "vertical", rechunk: false }),
    );
  }
}

/**
 * The sort keys at the end of the rows written so far: a flush whose first row sorts before
 * the previous flush's last row must start a new data file (each file stays sorted).
 */
class _SortedFiles {
  #started = false;
  #last: bigint[] | undefined;

  /** Whether sorted `df` would break the order of the open file; remembers its last row. */
  breaksOrder(df: DataFrame): boolean {
    if (df.height === 0) return false;
    const keys = EVENT_SORT_BY.filter((k) => df.columns.includes(k));
    // Int64 keys go through strings: `.get()` and plain records lose 64-bit precision
    const ends = df.select(
      ...keys.map((k) => pl.col(k).first().cast(pl.Utf8).alias(`first_${k}`)),
      ...keys.map((k) => pl.col(k).last().cast(pl.Utf8).alias(`last_${k}`)),
    ).toRecords()[0];
    const read = (side: string) =>
      keys.map((k) => ends[`${side}_${k}`]).map((v) => v === null ? undefined : BigInt(String(v)));
    const first = read("first"), last = read("last");
    const started = this.#started, previous = this.#last;
    this.#started = true;
    this.#last = last.includes(undefined) ? undefined : last as bigint[];
    if (!started) return false;
    // a null key (never written: such rows are quarantined) leaves the order unknown
    if (previous === undefined || first.includes(undefined)) return true;
    for (let i = 0; i < keys.length; i++) {
      if (first[i] !== previous[i]) return first[i]! < previous[i];
    }
    return false;
  }
}

/** Counts, time range and rejection reasons of a file, added up part by part. */
class _Tally {
  rowsRead = 0;
  rowsWritten = 0;
  rowsQuarantined = 0;
  tsMin: number | null = null;
  tsMax: number | null = null;
  readonly rules = new Map<string, number>();
  readonly details = new Map<string, string>();

  add(out: { rows: DataFrame; quarantined: DataFrame; rowsRead: number }): void {
    this.rowsRead += out.rowsRead;
    this.rowsWritten += out.rows.height;
    this.rowsQuarantined += out.quarantined.height;
    if (out.rows.height > 0) {
      const ts = out.rows.getColumn("ts_local_us");
      const lo = Number(ts.min());
      const hi = Number(ts.max());
      this.tsMin = this.tsMin === null ? lo : Math.min(this.tsMin, lo);
      this.tsMax = this.tsMax === null ? hi : Math.max(this.tsMax, hi);
    }
    const q = out.quarantined;
    if (q.height === 0) return;
    const rules = q.getColumn("rule").toArray() as string[];
    const det = q.columns.includes("detail")
      ? q.getColumn("detail").toArray() as (string | null)[]
      : [];
    rules.forEach((rule, i) => {
      this.rules.set(rule, (this.rules.get(rule) ?? 0) + 1);
      if (!this.details.has(rule) && det[i]) this.details.set(rule, String(det[i]));
    });
  }

  outcome(skipped: boolean): FileIngestOutcome {
    const status = this.rowsWritten === 0 && this.rowsQuarantined > 0 ? "quarantined" : "success";
    return {
      status,
      rowsRead: this.rowsRead,
      rowsWritten: this.rowsWritten,
      rowsQuarantined: this.rowsQuarantined,
      tsLocalMinUs: this.tsMin,
      tsLocalMaxUs: this.tsMax,
      message: this.rowsQuarantined > 0 ? this._summary() : null,
      skipped,
    };
  }

  /**
   * `5 of 10 rows quarantined: symbol_resolved (2: <detail>), price_positive (1: <detail>),
   * side_known (1: <detail>), and 1 more rule: amount_on_grid (1)`: the three most frequent
   * rules with a sample detail, then every other rule with its count (up to
   * {@linkcode _MAX_OTHER_RULES} names, then how many more), so no rule is hidden.
   */
  private _summary(): string {
    const sorted = [...this.rules].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const parts = sorted.slice(0, 3).map(([rule, n]) =>
      `${rule} (${n}${this.details.has(rule) ? `: ${_clip(this.details.get(rule)!, 120)}` : ""})`
    );
    const others = sorted.slice(3);
    if (others.length > 0) {
      const named = others.slice(0, _MAX_OTHER_RULES).map(([rule, n]) => `${rule} (${n})`);
      const unnamed = others.length - named.length;
      parts.push(
        `and ${others.length} more rule${others.length === 1 ? "" : "s"}: ${named.join(", ")}` +
          (unnamed > 0 ? ` and ${unnamed} others` : ""),
      );
    }
    return `${this.rowsQuarantined} of ${this.rowsRead} rows quarantined: ${parts.join(", ")}`;
  }
}

function _outcome(
  status: FileIngestOutcome["status"],
  rowsRead: number,
  rowsWritten: number,
  rowsQuarantined: number,
  tsLocalMinUs: number | null,
  tsLocalMaxUs: number | null,
  message: string | null,
  skipped: boolean,
): FileIngestOutcome {
  return {
    status,
    rowsRead,
    rowsWritten,
    rowsQuarantined,
    tsLocalMinUs,
    tsLocalMaxUs,
    message,
    skipped,
  };
}

/** `text` cut to `max` characters, with `...` when cut. */
function _clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

/** Most rules named after the first three in a quarantine summary. */
const _MAX_OTHER_RULES = 20;
