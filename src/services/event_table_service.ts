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
import { gunzipSync } from "node:zlib";
import type pl from "nodejs-polars";
import type { DataFrame } from "../polars_types.ts";
import type { EventTableSpec } from "../domain/event_table.ts";
import { transformTardisFile } from "../domain/event_table.ts";
import { QUARANTINE_SCHEMA } from "../domain/quarantine.ts";
import { emptyFrame } from "../domain/table_schema.ts";
import type {
  BronzeFileMetadata,
  BronzeSource,
  EventTableRepository,
  IngestStatus,
} from "../io/protocols.ts";

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
}

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
  if (!bronzePath.endsWith(".gz")) {
    if (_isGzip(bytes)) {
      throw new FileIngestError(
        bronzePath,
        `Cannot parse "${bronzePath}": it is gzip-compressed but not named .gz; rename it`,
      );
    }
    return bytes;
  }
  if (bytes.length === 0) {
    throw new FileIngestError(
      bronzePath,
      `Cannot decompress "${bronzePath}": file is empty (0 bytes)`,
    );
  }
  if (!_isGzip(bytes)) {
    throw new FileIngestError(bronzePath, `Cannot decompress "${bronzePath}": not a gzip stream`);
  }
  try {
    const out = gunzipSync(bytes, { chunkSize: _outputChunkSize(bytes) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new FileIngestError(
      bronzePath,
      `Cannot decompress "${bronzePath}": corrupt or truncated gzip: ${why}`,
      { cause: err },
    );
  }
}

/** Whether `bytes` start with the gzip magic number (1F 8B). */
function _isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

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

  /**
   * Create a `EventTableService`.
   *
   * @param options Spec, repositories and bronze source.
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
    let raw: Uint8Array;
    try {
      raw = await this.#source.readFile(meta.bronze_path);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new FileIngestError(meta.bronze_path, `Cannot read "${meta.bronze_path}": ${why}`, {
        cause: err,
      });
    }
    const csv = decompressBronze(raw, meta.bronze_path);
    const write = {
      fileId: ctx.fileId,
      attempt: ctx.attempt ?? 0,
      supersededFileIds: ctx.supersededFileIds ?? [],
    };
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
    const rows = out.rows.height;
    const rejected = out.quarantined.height;
    let tsMin: number | null = null;
    let tsMax: number | null = null;
    if (rows > 0) {
      const ts = out.rows.getColumn("ts_local_us");
      tsMin = Number(ts.min());
      tsMax = Number(ts.max());
    }
    const status = rows === 0 && rejected > 0 ? "quarantined" : "success";
    const message = rejected > 0
      ? _rejectionSummary(out.quarantined, rejected, out.rowsRead)
      : null;
    return _outcome(status, out.rowsRead, rows, rejected, tsMin, tsMax, message, r.skipped);
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

/**
 * `5 of 10 rows quarantined: symbol_resolved (2: <detail>), price_positive (1: <detail>),
 * side_known (1: <detail>), and 1 more rule: amount_on_grid (1)`: the three most frequent
 * rules with a sample detail, then every other rule with its count (up to
 * {@linkcode _MAX_OTHER_RULES} names, then how many more), so no rule is hidden.
 */
function _rejectionSummary(q: pl.DataFrame, rejected: number, read: number): string {
  const counts = new Map<string, number>();
  const details = new Map<string, string>();
  const rules = q.getColumn("rule").toArray() as string[];
  const det = q.columns.includes("detail")
    ? q.getColumn("detail").toArray() as (string | null)[]
    : [];
  rules.forEach((rule, i) => {
    counts.set(rule, (counts.get(rule) ?? 0) + 1);
    if (!details.has(rule) && det[i]) details.set(rule, String(det[i]));
  });
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const parts = sorted.slice(0, 3).map(([rule, n]) =>
    `${rule} (${n}${details.has(rule) ? `: ${_clip(details.get(rule)!, 120)}` : ""})`
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
  return `${rejected} of ${read} rows quarantined: ${parts.join(", ")}`;
}

/** `text` cut to `max` characters, with `...` when cut. */
function _clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

/** Most rules named after the first three in a quarantine summary. */
const _MAX_OTHER_RULES = 20;
