/**
 * The per-file step of an ingestion run, the same wherever it runs (in the run's own thread or
 * in a worker): a file whose logical key another path owns fails with
 * {@linkcode DuplicateBronzeFileError}; otherwise its table's `EventTableService` ingests it
 * exactly once for its `(file_id, attempt)`, and then `manifest.updateStatus` records
 * `success`, `quarantined` or `failed` with counts, time range and message. An error is
 * recorded as `failed` with a one-line message, never thrown.
 *
 * @module
 */
import type { DataFrame } from "../polars_types.ts";
import type {
  BronzeFileMetadata,
  IngestionManifestRepository,
  IngestStatus,
  ManifestEntry,
} from "../io/protocols.ts";
import type { EventTableService } from "./event_table_service.ts";

/**
 * Two bronze paths hold the same logical file (same vendor, exchange, data type, symbol and
 * day), for example a flat copy beside a hive copy: only the first is ingested, so rows are
 * never doubled.
 */
export class DuplicateBronzeFileError extends Error {
  /** The path not ingested. */
  readonly bronzePath: string;
  /** The path that holds the same logical file. */
  readonly duplicateOf: string;
  /**
   * Create the error.
   *
   * @param bronzePath The path not ingested.
   * @param duplicateOf The path ingested instead.
   * @example
   * ```ts
   * import { DuplicateBronzeFileError } from "./ingest_one_file.ts";
   * const e = new DuplicateBronzeFileError("datasets/a.csv.gz", "tardis/x/a.csv.gz");
   * if (!e.message.startsWith('Duplicate of "tardis/x/a.csv.gz"')) throw new Error(e.message);
   * ```
   */
  constructor(bronzePath: string, duplicateOf: string) {
    super(
      `Duplicate of "${duplicateOf}" (same exchange, data type, symbol and date): not ingested; ` +
        "remove one of the two files",
    );
    this.name = "DuplicateBronzeFileError";
    this.bronzePath = bronzePath;
    this.duplicateOf = duplicateOf;
  }
}

/** What happened to one file. */
export interface FileResult {
  /** The file (`sha256` empty when it could not be read). */
  meta: BronzeFileMetadata;
  /** Its id (undefined in a dry run, and for a file that could not be read to hash it). */
  fileId?: number;
  /** Final status (`pending` in a dry run). */
  status: IngestStatus;
  /** Data rows read. */
  rowsRead: number;
  /** Rows written to the event table. */
  rowsWritten: number;
  /** Rows quarantined. */
  rowsQuarantined: number;
  /** Error or quarantine reason. */
  message: string | null;
}

/** One file to ingest: plain data, so it can be posted to a worker. */
export interface FileTask {
  /** The file. */
  meta: BronzeFileMetadata;
  /** Its manifest entry (id, attempt, superseded ids). */
  entry: ManifestEntry;
  /** The path that owns the file's logical key, when known. @default {undefined} */
  owner?: string;
  /** Working-set budget of this file in bytes. */
  memoryBytes: number;
  /** Data file size of a streamed file in bytes. @default {the service's} */
  fileTargetBytes?: number;
}

/** What the per-file step needs. */
export interface FileStepDeps {
  /** Event-table services by Tardis data type. */
  services: Readonly<Record<string, EventTableService>>;
  /** The ingest ledger. */
  manifest: IngestionManifestRepository;
}

/**
 * Ingest one file and record its status; an error is recorded, never thrown.
 *
 * @param deps The event-table services and the manifest.
 * @param task The file, its manifest entry, its owner and budget.
 * @param dim The `dim_symbol` table.
 * @returns The file's result.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { ingestOneFile } from "./ingest_one_file.ts";
 * import type { IngestionManifestRepository } from "../io/protocols.ts";
 * const recorded: string[] = [];
 * const manifest = {
 *   updateStatus: (_id: number, status: string) => { recorded.push(status); return Promise.resolve(); },
 * } as unknown as IngestionManifestRepository;
 * const meta = {
 *   vendor: "tardis", exchange: "binance", data_type: "trades", symbol: "BTCUSDT",
 *   date: "2024-07-30", bronze_path: "b.csv.gz", file_size_bytes: 1, last_modified_ts: 0, sha256: "x",
 * };
 * const entry = { fileId: 1, status: "pending" as const, attempts: 0, supersededFileIds: [] };
 * const r = await ingestOneFile({ services: {}, manifest }, { meta, entry, owner: "a.csv.gz", memoryBytes: 1 }, pl.DataFrame({}));
 * if (r.status !== "failed" || !r.message?.startsWith("DuplicateBronzeFileError")) throw new Error(r.message ?? "");
 * if (recorded[0] !== "failed") throw new Error("status not recorded");
 * ```
 */
export async function ingestOneFile(
  deps: FileStepDeps,
  task: FileTask,
  dim: DataFrame,
): Promise<FileResult> {
  const { meta, entry, owner } = task;
  try {
    if (owner !== undefined && owner !== meta.bronze_path) {
      throw new DuplicateBronzeFileError(meta.bronze_path, owner);
    }
    const service = deps.services[meta.data_type];
    if (!service) throw new Error(`No event table for data type "${meta.data_type}"`);
    const out = await service.ingestFile(meta, {
      fileId: entry.fileId,
      attempt: entry.attempts,
      supersededFileIds: entry.supersededFileIds,
      dim,
      memoryBytes: task.memoryBytes,
      fileTargetBytes: task.fileTargetBytes,
    });
    const file = fileResult(
      meta,
      entry.fileId,
      out.status,
      out.rowsRead,
      out.rowsWritten,
      out.rowsQuarantined,
      out.message,
    );
    await deps.manifest.updateStatus(entry.fileId, out.status, meta, {
      rows_read: out.rowsRead,
      rows_written: out.rowsWritten,
      rows_quarantined: out.rowsQuarantined,
      ts_local_min_us: out.tsLocalMinUs,
      ts_local_max_us: out.tsLocalMaxUs,
      error_message: out.message,
    });
    return file;
  } catch (err) {
    return await recordFileFailure(deps.manifest, task, errorMessage(err));
  }
}

/**
 * Record a file as `failed` with `message` (no rows); a failure to record is appended to the
 * message, never thrown.
 *
 * @param manifest The ingest ledger.
 * @param task The file.
 * @param message Why it failed, one line.
 * @returns The file's `failed` result.
 * @example
 * ```ts
 * import { recordFileFailure } from "./ingest_one_file.ts";
 * import type { IngestionManifestRepository } from "../io/protocols.ts";
 * const manifest = { updateStatus: () => Promise.reject(new Error("disk full")) } as unknown as IngestionManifestRepository;
 * const meta = {
 *   vendor: "tardis", exchange: "binance", data_type: "trades", symbol: "BTCUSDT",
 *   date: "2024-07-30", bronze_path: "a.csv.gz", file_size_bytes: 1, last_modified_ts: 0, sha256: "x",
 * };
 * const entry = { fileId: 1, status: "pending" as const, attempts: 0, supersededFileIds: [] };
 * const r = await recordFileFailure(manifest, { meta, entry, memoryBytes: 1 }, "Worker crashed");
 * if (r.message !== "Worker crashed; recording the failure failed too: disk full") throw new Error(r.message ?? "");
 * ```
 */
export async function recordFileFailure(
  manifest: IngestionManifestRepository,
  task: FileTask,
  message: string,
): Promise<FileResult> {
  const file = fileResult(task.meta, task.entry.fileId, "failed", 0, 0, 0, message);
  try {
    await manifest.updateStatus(task.entry.fileId, "failed", task.meta, {
      rows_read: 0,
      rows_written: 0,
      rows_quarantined: 0,
      error_message: message,
    });
  } catch (inner) {
    file.message = `${message}; recording the failure failed too: ${errorMessage(inner)}`;
  }
  return file;
}

/**
 * A {@linkcode FileResult} from its fields.
 *
 * @param meta The file.
 * @param fileId Its id.
 * @param status Its status.
 * @param rowsRead Data rows read.
 * @param rowsWritten Rows written.
 * @param rowsQuarantined Rows quarantined.
 * @param message Error or quarantine reason.
 * @returns The result.
 * @example
 * ```ts
 * import { fileResult } from "./ingest_one_file.ts";
 * const meta = {
 *   vendor: "tardis", exchange: "binance", data_type: "trades", symbol: "BTCUSDT",
 *   date: "2024-07-30", bronze_path: "a.csv.gz", file_size_bytes: 1, last_modified_ts: 0, sha256: "x",
 * };
 * if (fileResult(meta, 1, "success", 2, 2, 0, null).rowsWritten !== 2) throw new Error();
 * ```
 */
export function fileResult(
  meta: BronzeFileMetadata,
  fileId: number | undefined,
  status: IngestStatus,
  rowsRead: number,
  rowsWritten: number,
  rowsQuarantined: number,
  message: string | null,
): FileResult {
  return { meta, fileId, status, rowsRead, rowsWritten, rowsQuarantined, message };
}

/**
 * `Name: message` for typed errors, the message alone for plain ones.
 *
 * @param err Anything thrown.
 * @returns Its message.
 * @example
 * ```ts
 * import { errorMessage } from "./ingest_one_file.ts";
 * if (errorMessage(new TypeError("bad")) !== "TypeError: bad") throw new Error();
 * if (errorMessage(new Error("plain")) !== "plain") throw new Error();
 * ```
 */
export function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const generic = err.name === "Error" || err.name === "FileIngestError";
  return generic ? err.message : `${err.name}: ${err.message}`;
}
