/**
 * Storage-agnostic interfaces between the services and the IO layer.
 *
 * Services (`src/services/`) depend on these interfaces only; the Delta-backed and
 * file-system-backed implementations live beside this file in `src/io/`. A test or a
 * notebook can hand a service any object that satisfies an interface.
 *
 * @module
 */
import type { DataFrame } from "../polars_types.ts";
import type { ManifestStatus } from "../domain/ingest_manifest.ts";

/** A whole table that can be read, rewritten and merged into. */
export interface TableRepository {
  /** The table's location, for messages. */
  readonly uri: string;
  /**
   * Every current row of the table; an empty frame with the table's columns when the table
   * does not exist yet.
   */
  readAll(): Promise<DataFrame>;
  /** Replace the table's contents with `df` in one commit (creating the table if needed). */
  writeFull(df: DataFrame): Promise<void>;
  /**
   * Upsert `df` on `keys`: matched rows are updated, unmatched rows are inserted, in one
   * commit (creating the table if needed).
   */
  merge(df: DataFrame, keys: string[]): Promise<void>;
}

/** Options of {@linkcode EventTableRepository.writeFileRows}. */
export interface WriteFileRowsOptions {
  /** The `file_id` every row of the frame carries. */
  fileId: number;
  /**
   * Ingest attempt of this file (0 for the first). A write of an attempt that already
   * landed is skipped; a later attempt first removes the rows of earlier attempts.
   *
   * @default {0}
   */
  attempt?: number;
  /** Older `file_id`s of the same bronze path whose rows this file replaces. @default {[]} */
  supersededFileIds?: readonly number[];
  /** Cut the rows written at once into data files of about this many bytes. @default {104857600} */
  targetFileSize?: number;
  /**
   * With `beginFileRows`: grow each data file across `write` calls (appending Parquet row
   * groups) until it holds at least this many bytes; unset, every write makes its own files.
   * @default {undefined}
   */
  growFileBytes?: number;
}

/** Options of {@linkcode FileRowsWriter.write}. */
export interface FileRowsWriteOptions {
  /**
   * Start a new data file with these rows (with `growFileBytes`): a caller keeping files sorted
   * asks for it when the rows sort before the rows written last.
   * @default {false}
   */
  newFile?: boolean;
}

/** What {@linkcode EventTableRepository.writeFileRows} did. */
export interface WriteFileRowsResult {
  /** True when this attempt had already been committed (a re-run after a crash). */
  skipped: boolean;
  /** Rows appended by this call (0 when skipped). */
  rowsWritten: number;
  /** Rows of earlier attempts or superseded files removed by this call. */
  rowsRemoved: number;
}

/**
 * One bronze file's rows written in parts and committed once (see
 * {@linkcode EventTableRepository.beginFileRows}).
 */
export interface FileRowsWriter {
  /**
   * Write a part of the file's rows as data files, invisible until `commit`. Rows keep their
   * order: a caller that wants a data file sorted hands in sorted rows (and, with
   * `growFileBytes`, asks for a `newFile` when they sort before the rows written last).
   */
  write(df: DataFrame, options?: FileRowsWriteOptions): Promise<void>;
  /**
   * Commit every part in one commit with the file's `txn` (exactly-once as in
   * `writeFileRows`: a landed attempt is skipped and its parts deleted).
   */
  commit(): Promise<WriteFileRowsResult>;
  /** Delete the parts written so far; nothing is committed. */
  abort(): Promise<void>;
}

/**
 * A table fed file by file (event tables, the quarantine table). Writes are exactly-once
 * per `(file_id, attempt)`: repeating a call after a crash neither duplicates nor loses rows.
 */
export interface EventTableRepository extends TableRepository {
  /**
   * Commit the rows of one bronze file (possibly none), replacing the rows of earlier
   * attempts and of superseded files.
   */
  writeFileRows(df: DataFrame, options: WriteFileRowsOptions): Promise<WriteFileRowsResult>;
  /**
   * Start writing one bronze file's rows in parts (a file larger than memory): the parts
   * become data files as they come and land in one commit, with the same exactly-once and
   * replacement rules as {@linkcode writeFileRows}. A crash before the commit leaves only
   * unreferenced data files (`vacuum` removes them). Optional: a repository without it gets
   * whole files only.
   */
  beginFileRows?(options: WriteFileRowsOptions): Promise<FileRowsWriter>;
  /** Remove every row whose `file_id` is in `fileIds`; returns the number of rows removed. */
  deleteFiles(fileIds: readonly number[]): Promise<number>;
}

/** One bronze file as found by a {@linkcode BronzeSource}. Field names follow the manifest. */
export interface BronzeFileMetadata {
  /** Data vendor, e.g. `tardis`. */
  vendor: string;
  /** Exchange name as written in the path (lower-case). */
  exchange: string;
  /** Vendor data type, e.g. `trades`, `incremental_book_L2`. */
  data_type: string;
  /** Symbol as written in the path (flat Tardis names write `:\/?*<>|"` as `-`). */
  symbol: string;
  /** Trading day from the path, `YYYY-MM-DD`. */
  date: string;
  /** Path relative to the bronze root, `/`-separated. */
  bronze_path: string;
  /** Size in bytes. */
  file_size_bytes: number;
  /** Last modification time, microseconds since the Unix epoch. */
  last_modified_ts: number;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
}

/** A bronze file that matches no known layout, and why. */
export interface UnmatchedBronzeFile {
  /** Path relative to the bronze root. */
  bronze_path: string;
  /** Why it was not recognised. */
  reason: string;
}

/** The metadata of a bronze file that is known before hashing it. */
export type BronzeFileCandidate = Omit<BronzeFileMetadata, "sha256">;

/**
 * A bronze entry that was found but cannot be read: a file that cannot be opened, stat'ed or
 * hashed (no permission, a dangling symbolic link, a FIFO or other non-regular file, an I/O
 * error), or a folder that cannot be listed. Its content, so its identity, is unknown.
 */
export interface UnreadableBronzeFile {
  /** Path relative to the bronze root; a folder's ends with `/`. */
  bronze_path: string;
  /** Why it cannot be read, one line (see `readErrorReason`). */
  reason: string;
  /**
   * The fields its name encodes, when it is a file in a bronze layout (then it passed the
   * listing's filter); undefined for a folder.
   */
  candidate?: BronzeFileCandidate;
}

/** Options of {@linkcode BronzeSource.listFiles}. */
export interface ListFilesOptions {
  /** Called for every file that matches no layout. @default {undefined} (ignored) */
  onUnmatched?: (file: UnmatchedBronzeFile) => void;
  /**
   * Called for every entry found but unreadable; the listing goes on with the next one.
   * @default {undefined} (ignored)
   */
  onUnreadable?: (entry: UnreadableBronzeFile) => void;
  /**
   * Keep only candidates for which this returns true; runs before hashing, so filtered-out
   * files are never read. @default {undefined} (keep all)
   */
  filter?: (candidate: BronzeFileCandidate) => boolean;
}

/** Finds vendor files in bronze storage. Knows nothing about ingestion state. */
export interface BronzeSource {
  /** Where the bronze root is, for messages. */
  readonly root: string;
  /**
   * Every recognised file whose relative path matches `glob` (default: all), sorted by
   * path. Files matching no layout must go to `options.onUnmatched`, and entries that cannot
   * be read (listed, stat'ed, opened or hashed) to `options.onUnreadable`, with the reason:
   * never silently dropped, and one bad entry must not end the listing.
   */
  listFiles(glob?: string, options?: ListFilesOptions): AsyncIterable<BronzeFileMetadata>;
  /** The raw bytes of a file, by its path relative to the bronze root. */
  readFile(bronzePath: string): Promise<Uint8Array>;
  /**
   * The raw bytes of a file as a stream (still compressed), by its path relative to the
   * bronze root, so a file larger than memory can be ingested. Must fail (reject, or error
   * the stream) like `readFile` for a missing file. Optional: without it a file is read
   * whole with `readFile`.
   */
  openStream?(bronzePath: string): Promise<ReadableStream<Uint8Array>>;
}

/** Ingest statuses recorded in the manifest (`pending`, `success`, `failed`, `quarantined`). */
export type IngestStatus = ManifestStatus;

/** Counts and timings recorded with a terminal status. */
export interface IngestResult {
  /** Data rows read from the file. */
  rows_read?: number;
  /** Rows committed to the event table. */
  rows_written?: number;
  /** Rows moved to the quarantine table. */
  rows_quarantined?: number;
  /** Smallest `ts_local_us` written. */
  ts_local_min_us?: number | null;
  /** Largest `ts_local_us` written. */
  ts_local_max_us?: number | null;
  /** Why the file failed or was quarantined. */
  error_message?: string | null;
}

/** A manifest entry as the ingestion loop sees it. */
export interface ManifestEntry {
  /** The file's id. */
  fileId: number;
  /** Its current status. */
  status: IngestStatus;
  /** Terminal statuses recorded so far for this id (the next ingest attempt number). */
  attempts: number;
  /** Older ids of the same bronze path (changed content) whose rows this file replaces. */
  supersededFileIds: number[];
}

/** Options of {@linkcode IngestionManifestRepository.filterPending}. */
export interface ManifestFilterOptions {
  /** Also return files already ingested successfully. @default {false} */
  force?: boolean;
  /** Also return files whose status is `quarantined`. @default {false} */
  retryQuarantined?: boolean;
}

/** The ingest ledger (`silver/ingest_manifest`): file ids and statuses. */
export interface IngestionManifestRepository {
  /**
   * The id of a file, minting a new one (recorded as `pending`) when its identity
   * `(bronze_path, sha256)` is new. Ids stay unique across concurrent processes.
   */
  resolveFileId(meta: BronzeFileMetadata): Promise<number>;
  /** Like {@linkcode resolveFileId} for many files, minting all new ids in one commit. */
  resolveFileIds(metas: readonly BronzeFileMetadata[]): Promise<ManifestEntry[]>;
  /** The files that still need ingesting, decided by one batch anti-join on identity. */
  filterPending(
    candidates: readonly BronzeFileMetadata[],
    options?: ManifestFilterOptions,
  ): Promise<BronzeFileMetadata[]>;
  /** Record a status (with counts) for a file, without rewriting the whole manifest. */
  updateStatus(
    fileId: number,
    status: IngestStatus,
    meta: BronzeFileMetadata,
    result?: IngestResult,
  ): Promise<void>;
  /** The current manifest: one row per `file_id`, its latest status. */
  readAll(): Promise<DataFrame>;
}
