/**
 * Rules of the ingest manifest (`silver/ingest_manifest`): its schema, which bronze files
 * still need processing, the allowed status transitions, and which older file versions a
 * changed file supersedes.
 *
 * A file's identity is `(bronze_path, sha256)`: the same identity keeps the same `file_id`;
 * changed content at the same path is a new identity with a new `file_id`, and the rows of
 * every other version at that path must be replaced (see {@linkcode supersededFileIds}).
 *
 * Statuses and transitions ({@linkcode INGEST_STATUS_TRANSITIONS}):
 * - a new file starts `pending` (its `file_id` is minted then);
 * - `pending` ends as `success` (the file was processed and wrote its rows; some rows may
 *   have gone to the quarantine table, counted in `rows_quarantined`), `quarantined` (the
 *   file was processed but every row was rejected, e.g. no `dim_symbol` coverage yet; see
 *   {@linkcode statusAfterTransform}) or `failed` (an error: nothing counts as written);
 *   `pending` to `pending` is a resumed run after a crash;
 * - `failed`, `success` and `quarantined` may go back to `pending` to reprocess the file (a
 *   retry, a reverted file, or a re-run after `dim_symbol` was fixed); nothing else.
 *
 * {@linkcode filterPending} is one batch join of the candidates on identity: it returns new
 * files, files a previous run left `pending` (crash), reverted files (an identity whose
 * version was superseded by later content at the same path and has now come back), and, on
 * request, `failed` files. Finished files (`success`, `quarantined`) are skipped.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "../polars_types.ts";
import type { TableSchema } from "./table_schema.ts";

/**
 * Schema of `ingest_manifest`: one unpartitioned table. Stored as a status log (one row per
 * status change, every row kept: a file's terminal statuses count its ingest attempts); the
 * current manifest is the latest row of each `file_id`.
 *
 * @example
 * ```ts
 * import { INGEST_MANIFEST_SCHEMA } from "./ingest_manifest.ts";
 * if (INGEST_MANIFEST_SCHEMA.partitionBy.length !== 0) throw new Error("unpartitioned");
 * ```
 */
export const INGEST_MANIFEST_SCHEMA: TableSchema = Object.freeze({
  name: "ingest_manifest",
  columns: Object.freeze(
    [
      { name: "file_id", type: "int64", nullable: false, doc: "Unique id of a file identity" },
      { name: "vendor", type: "utf8", nullable: false, doc: "Data vendor, e.g. tardis" },
      { name: "exchange", type: "utf8", nullable: false, doc: "Exchange from the path" },
      { name: "data_type", type: "utf8", nullable: false, doc: "Vendor data type from the path" },
      { name: "symbol", type: "utf8", nullable: false, doc: "Symbol from the path" },
      { name: "date", type: "date", nullable: false, doc: "Date from the path (UTC)" },
      {
        name: "bronze_path",
        type: "utf8",
        nullable: false,
        doc: "Path relative to the bronze root",
      },
      { name: "file_size_bytes", type: "int64", nullable: false, doc: "File size in bytes" },
      {
        name: "last_modified_ts",
        type: "int64",
        nullable: false,
        doc: "File modification time, µs since epoch UTC",
      },
      { name: "sha256", type: "utf8", nullable: false, doc: "Hex SHA-256 of the file's bytes" },
      {
        name: "status",
        type: "utf8",
        nullable: false,
        doc: "pending, success, failed or quarantined",
      },
      { name: "rows_read", type: "int64", nullable: true, doc: "Data rows in the file" },
      { name: "rows_written", type: "int64", nullable: true, doc: "Rows written to the table" },
      {
        name: "rows_quarantined",
        type: "int64",
        nullable: true,
        doc: "Rows written to the quarantine table",
      },
      {
        name: "ts_local_min_us",
        type: "int64",
        nullable: true,
        doc: "Smallest ts_local_us written",
      },
      {
        name: "ts_local_max_us",
        type: "int64",
        nullable: true,
        doc: "Largest ts_local_us written",
      },
      { name: "error_message", type: "utf8", nullable: true, doc: "Why the file failed" },
      {
        name: "created_at_ts",
        type: "int64",
        nullable: false,
        doc: "When the file_id was minted, µs since epoch UTC",
      },
      {
        name: "finished_at_ts",
        type: "int64",
        nullable: true,
        doc: "When processing ended, µs since epoch UTC",
      },
    ] as const,
  ),
  partitionBy: Object.freeze([]) as readonly string[],
  sortBy: Object.freeze(["file_id"]) as readonly string[],
}) as TableSchema;

/** The statuses of a manifest row. */
export const INGEST_STATUSES: readonly ["pending", "success", "failed", "quarantined"] = Object
  .freeze(
    ["pending", "success", "failed", "quarantined"] as const,
  );

/** A manifest row's status. */
export type ManifestStatus = typeof INGEST_STATUSES[number];

/** Allowed transitions: from a status (or `null`, no row yet) to the next ones. */
export const INGEST_STATUS_TRANSITIONS: Readonly<
  Record<ManifestStatus | "null", readonly ManifestStatus[]>
> = Object.freeze({
  null: Object.freeze(["pending"] as const),
  pending: Object.freeze(["pending", "success", "failed", "quarantined"] as const),
  failed: Object.freeze(["pending"] as const),
  success: Object.freeze(["pending"] as const),
  quarantined: Object.freeze(["pending"] as const),
});

/** A status change the manifest does not allow. */
export class InvalidStatusTransitionError extends Error {
  /** The current status (`null`: no row yet). */
  readonly from: ManifestStatus | null;
  /** The requested status. */
  readonly to: string;
  /**
   * Create the error.
   *
   * @param from The current status.
   * @param to The requested status.
   */
  constructor(from: ManifestStatus | null, to: string) {
    const allowed = INGEST_STATUS_TRANSITIONS[from ?? "null"].join(", ");
    super(
      `Cannot change ingest status from "${from ?? "none"}" to "${to}": allowed are ${allowed}`,
    );
    this.name = "InvalidStatusTransitionError";
    this.from = from;
    this.to = to;
  }
}

/**
 * Whether a status change is allowed.
 *
 * @param from The current status, `null` when the file has no manifest row yet.
 * @param to The requested status.
 * @returns True when {@linkcode INGEST_STATUS_TRANSITIONS} allows it.
 * @example
 * ```ts
 * import { canTransition } from "./ingest_manifest.ts";
 * if (!canTransition("pending", "success")) throw new Error("pending -> success is allowed");
 * if (canTransition("success", "failed")) throw new Error("success -> failed is not");
 * ```
 */
export function canTransition(from: ManifestStatus | null, to: string): boolean {
  const allowed: readonly string[] = INGEST_STATUS_TRANSITIONS[from ?? "null"] ?? [];
  return allowed.includes(to);
}

/**
 * Check a status change.
 *
 * @param from The current status, `null` when the file has no manifest row yet.
 * @param to The requested status.
 * @returns The new status, typed.
 * @throws {InvalidStatusTransitionError} When the change is not allowed.
 * @example
 * ```ts
 * import { assertTransition } from "./ingest_manifest.ts";
 * let threw = false;
 * try { assertTransition(null, "success"); } catch { threw = true; }
 * if (!threw) throw new Error("a file must be pending before it succeeds");
 * ```
 */
export function assertTransition(from: ManifestStatus | null, to: string): ManifestStatus {
  if (!canTransition(from, to)) throw new InvalidStatusTransitionError(from, to);
  return to as ManifestStatus;
}

/** Row counts of a processed file, for {@linkcode statusAfterTransform}. */
export interface TransformCounts {
  /** Rows written to the event table. */
  rowsWritten: number | bigint;
  /** Rows written to the quarantine table. */
  rowsQuarantined: number | bigint;
}

/**
 * The final status of a file whose rows were transformed and written.
 *
 * @param counts Rows written and rows quarantined.
 * @returns `"quarantined"` when rows were rejected and none was written, else `"success"`
 * (a file with no rows at all, e.g. an empty day, is a success).
 * @example
 * ```ts
 * import { statusAfterTransform } from "./ingest_manifest.ts";
 * if (statusAfterTransform({ rowsWritten: 0, rowsQuarantined: 5 }) !== "quarantined") {
 *   throw new Error("every row rejected: quarantined");
 * }
 * ```
 */
export function statusAfterTransform(counts: TransformCounts): ManifestStatus {
  const written = Number(counts.rowsWritten);
  return written === 0 && Number(counts.rowsQuarantined) > 0 ? "quarantined" : "success";
}

/** Options of {@linkcode filterPending}. */
export interface PendingFilterOptions {
  /**
   * Also return files whose identity last ended `failed` (reason `"failed"`).
   * @default false
   */
  retryFailed?: boolean;
}

/** Why {@linkcode filterPending} returned a file. */
export const PENDING_REASONS: Readonly<{
  new: "new";
  unfinished: "unfinished";
  reverted: "reverted";
  failed: "failed";
}> = Object.freeze(
  {
    new: "new",
    unfinished: "unfinished",
    reverted: "reverted",
    failed: "failed",
  } as const,
);

const _M_ID = "__manifest_file_id";
const _M_STATUS = "__manifest_status";
const _M_LATEST = "__manifest_latest_at_path";

/**
 * The candidate files that need processing: one batch left join on `(bronze_path, sha256)`.
 *
 * @param candidates Discovered files; at least `bronze_path` and `sha256` (Utf8), any other
 * columns are kept.
 * @param manifest The manifest (at least `file_id`, `bronze_path`, `sha256`, `status`).
 * @param options Whether to retry failed files.
 * @returns The candidates to process, with `file_id` (Int64; the identity's existing id, null
 * for a new identity) and `pending_reason` (Utf8: `new`, `unfinished`, `reverted`, `failed`).
 * @throws {TypeError} When a needed column is missing, or the candidates already have a
 * `file_id` or `pending_reason` column.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { filterPending } from "./ingest_manifest.ts";
 * const manifest = pl.DataFrame({
 *   file_id: pl.Series("file_id", [1, 2], pl.Int64),
 *   bronze_path: ["a.csv.gz", "b.csv.gz"],
 *   sha256: ["aa", "bb"],
 *   status: ["success", "failed"],
 * });
 * const candidates = pl.DataFrame({
 *   bronze_path: ["a.csv.gz", "b.csv.gz", "c.csv.gz"],
 *   sha256: ["aa", "bb", "cc"],
 * });
 * const todo = filterPending(candidates, manifest);
 * if (todo.getColumn("bronze_path").toArray().join() !== "c.csv.gz") throw new Error("only c");
 * const retry = filterPending(candidates, manifest, { retryFailed: true });
 * if (retry.height !== 2) throw new Error("b is retried on request");
 * ```
 */
export function filterPending(
  candidates: DataFrame,
  manifest: DataFrame,
  options: PendingFilterOptions = {},
): DataFrame {
  const retryFailed = options.retryFailed ?? false;
  _requireColumns(candidates, ["bronze_path", "sha256"], "candidates");
  _requireColumns(manifest, ["file_id", "bronze_path", "sha256", "status"], "manifest");
  for (const name of ["file_id", "pending_reason"]) {
    if (candidates.columns.includes(name)) {
      throw new TypeError(`Cannot filter pending files: candidates already have "${name}"`);
    }
  }
  const identities = _identities(manifest);
  const joined = candidates.join(identities, { on: ["bronze_path", "sha256"], how: "left" });
  const status = pl.col(_M_STATUS);
  const done = status.isIn(["success", "quarantined"]);
  const reason = pl.when(pl.col(_M_ID).isNull()).then(pl.lit(PENDING_REASONS.new))
    .when(status.eq(pl.lit("pending"))).then(pl.lit(PENDING_REASONS.unfinished))
    .when(done.and(pl.col(_M_LATEST).not())).then(pl.lit(PENDING_REASONS.reverted))
    .when(status.eq(pl.lit("failed")).and(pl.lit(retryFailed)))
    .then(pl.lit(PENDING_REASONS.failed))
    .otherwise(pl.lit(null))
    .cast(pl.String);
  return joined
    .withColumns(reason.alias("pending_reason"), pl.col(_M_ID).cast(pl.Int64).alias("file_id"))
    .filter(pl.col("pending_reason").isNotNull())
    .drop([_M_ID, _M_STATUS, _M_LATEST]);
}

/** One row per identity: its (highest) file_id, status, and whether it is the newest at its path. */
function _identities(manifest: pl.DataFrame): pl.DataFrame {
  const rows = manifest
    .select(
      pl.col("bronze_path").cast(pl.String),
      pl.col("sha256").cast(pl.String),
      pl.col("file_id").cast(pl.Int64).alias(_M_ID),
      pl.col("status").cast(pl.String).alias(_M_STATUS),
    )
    .sort(_M_ID);
  const perIdentity = rows.unique({
    subset: ["bronze_path", "sha256"],
    keep: "last",
    maintainOrder: true,
  });
  return perIdentity.withColumns(
    pl.col(_M_ID).eq(pl.col(_M_ID).max().over("bronze_path")).alias(_M_LATEST),
  );
}

/**
 * For each candidate, the file ids of other versions at the same path: their rows must be
 * replaced by the candidate's.
 *
 * @param manifest The manifest (at least `file_id`, `bronze_path`, `sha256`).
 * @param candidates Files about to be written (at least `bronze_path`, `sha256`).
 * @returns `bronze_path`, `sha256`, `superseded_file_id` (Int64), one row per superseded id.
 * @throws {TypeError} When a needed column is missing.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { supersededFiles } from "./ingest_manifest.ts";
 * const manifest = pl.DataFrame({
 *   file_id: pl.Series("file_id", [1], pl.Int64),
 *   bronze_path: ["a.csv.gz"],
 *   sha256: ["old"],
 * });
 * const out = supersededFiles(manifest, pl.DataFrame({ bronze_path: ["a.csv.gz"], sha256: ["new"] }));
 * if (out.getColumn("superseded_file_id").get(0) !== 1) throw new Error("1 is superseded");
 * ```
 */
export function supersededFiles(manifest: DataFrame, candidates: DataFrame): DataFrame {
  _requireColumns(manifest, ["file_id", "bronze_path", "sha256"], "manifest");
  _requireColumns(candidates, ["bronze_path", "sha256"], "candidates");
  const versions = manifest.select(
    pl.col("bronze_path").cast(pl.String),
    pl.col("sha256").cast(pl.String).alias("__other_sha256"),
    pl.col("file_id").cast(pl.Int64).alias("superseded_file_id"),
  );
  return candidates
    .select(pl.col("bronze_path").cast(pl.String), pl.col("sha256").cast(pl.String))
    .unique({ maintainOrder: true })
    .join(versions, { on: "bronze_path", how: "inner" })
    .filter(pl.col("__other_sha256").neq(pl.col("sha256")))
    .select("bronze_path", "sha256", "superseded_file_id")
    .unique({ maintainOrder: true })
    .sort(["bronze_path", "superseded_file_id"]);
}

/**
 * The file ids a changed file supersedes: every other version recorded at its path.
 *
 * @param manifest The manifest (at least `file_id`, `bronze_path`, `sha256`).
 * @param candidate The file about to be written.
 * @returns The superseded file ids, ascending (empty when the path is new or unchanged).
 * @throws {TypeError} When a needed manifest column is missing.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { supersededFileIds } from "./ingest_manifest.ts";
 * const manifest = pl.DataFrame({
 *   file_id: pl.Series("file_id", [1, 2], pl.Int64),
 *   bronze_path: ["a.csv.gz", "a.csv.gz"],
 *   sha256: ["v1", "v2"],
 * });
 * const ids = supersededFileIds(manifest, { bronze_path: "a.csv.gz", sha256: "v2" });
 * if (ids.join() !== "1") throw new Error("v2 supersedes file 1 only");
 * ```
 */
export function supersededFileIds(
  manifest: DataFrame,
  candidate: { bronze_path: string; sha256: string },
): number[] {
  const out = supersededFiles(
    manifest,
    pl.DataFrame({ bronze_path: [candidate.bronze_path], sha256: [candidate.sha256] }),
  );
  return (out.getColumn("superseded_file_id").toArray() as (number | bigint)[]).map(Number);
}

function _requireColumns(df: pl.DataFrame, names: string[], what: string): void {
  for (const name of names) {
    if (!df.columns.includes(name)) {
      throw new TypeError(`Cannot read ${what}: no column "${name}"`);
    }
  }
}
