/**
 * The ingest manifest (`silver/ingest_manifest`) on a Delta table.
 *
 * The table is an append-only **status log**: minting a `file_id` appends a `pending` row,
 * and every later status (`success`, `failed`, `quarantined`) appends one more row with its
 * counts and `finished_at_ts`. Nothing is rewritten per file, and blind appends never conflict
 * with each other. The current manifest ({@linkcode DeltaManifestRepo.readAll}) is the latest
 * row of each `file_id` (largest `finished_at_ts`; `pending` rows have none and rank first).
 *
 * **Maintenance.** Every status is a tiny Parquet file, and every read scans all live files,
 * so after its commits the repository counts the live small files (under half of
 * `compactTargetBytes`; only when the commits since its last count could have reached the
 * threshold, so about once per threshold commits) and, once there are
 * {@linkcode MANIFEST_COMPACT_THRESHOLD} of them, compacts them with `optimize`
 * (`dataChange: false`). Compaction rewrites files, never rows:
 * the whole status log is kept, because it is part of the contract (a file's `attempts`,
 * the count of its terminal statuses, is the `txn` version of its rows in the event tables;
 * folding the log to one row per file would reuse attempt numbers and skip re-ingests). A
 * compaction only removes files with `dataChange: false`, so concurrent appends and mints
 * never conflict with it; when two processes compact at once, the loser's commit conflicts
 * and it simply skips this round. A failed compaction never fails the status that triggered
 * it (see {@linkcode DeltaManifestRepo.lastMaintenance}). Checkpoints follow the table's
 * `delta.checkpointInterval` (default 100 commits), for compactions too.
 *
 * **Minting** is a compare-and-swap on a counter kept in the Delta log itself: every mint
 * commit carries a `txn` with the fixed app id `pointline-ingest:file-id` whose version is the
 * number of mint commits so far plus one. A process reads that counter, then the manifest, and
 * commits its new ids with counter + 1. If another mint landed since its read, the counter is
 * taken: the writer skips the commit (its `txn` version already recorded) or, when both race
 * for the same log version, reports a `CommitConflictError` (same app id). Either way the
 * process re-reads: identities another process minted meanwhile get that process's ids, and
 * new ones get ids above the new maximum. So ids are unique across processes and one identity
 * `(bronze_path, sha256)` always has one id. The sorted batch of a run is minted in one commit,
 * so the ids of the same bronze set are the same in every clean run.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "../polars_types.ts";
import { filterPending, INGEST_MANIFEST_SCHEMA } from "../domain/ingest_manifest.ts";
import { conformToSchema } from "../domain/table_schema.ts";
import { DeltaTableRepo } from "./delta_table_repo.ts";
import type { StorageOptions } from "./delta/storage_for_uri.ts";
import type { DeltaTable } from "./delta/delta_table.ts";
import { CommitConflictError } from "./delta/errors.ts";
import { optimize } from "./delta/optimize.ts";
import type {
  BronzeFileMetadata,
  IngestionManifestRepository,
  IngestResult,
  IngestStatus,
  ManifestEntry,
  ManifestFilterOptions,
} from "./protocols.ts";

/** The `txn` app id that serialises file-id minting. */
export const FILE_ID_APP_ID = "pointline-ingest:file-id";

/** Live small files at which the manifest compacts itself after a commit. */
export const MANIFEST_COMPACT_THRESHOLD = 64;

/**
 * Target size of compacted manifest files (`optimize`'s `targetSize`). Files under half of it
 * count as small; so a compaction rewrites at most about this many bytes of old rows, and a
 * file that has grown past it is left alone.
 */
export const MANIFEST_COMPACT_TARGET_BYTES = 16 * 1024 * 1024;

/** Options of {@linkcode DeltaManifestRepo}. */
export interface DeltaManifestRepoOptions {
  /**
   * Storage options of a remote manifest URI (`s3://`), keyed as in delta-rs.
   * @default {undefined}
   */
  storageOptions?: StorageOptions;
  /** Mint attempts before giving up under contention. @default {50} */
  maxMintAttempts?: number;
  /** Clock, microseconds since the epoch. @default {() => Date.now() * 1000} */
  nowUs?: () => number;
  /**
   * Compact once this many live small files exist after a commit; `Infinity` turns automatic
   * compaction off ({@linkcode DeltaManifestRepo.compact} still works).
   * @default {MANIFEST_COMPACT_THRESHOLD}
   */
  compactThreshold?: number;
  /** Target size of compacted files. @default {MANIFEST_COMPACT_TARGET_BYTES} */
  compactTargetBytes?: number;
}

/** What one compaction of the manifest did. */
export interface ManifestCompaction {
  /** Live small files seen before compacting. */
  smallFiles: number;
  /** Whether a compaction commit landed. */
  committed: boolean;
  /** Files compacted away (0 when nothing landed). */
  filesRemoved: number;
  /** Files written (0 when nothing landed). */
  filesAdded: number;
  /** Why nothing landed: `conflict` (another process compacted first) or `error`. */
  skipped?: "conflict" | "error";
  /** The error of a skipped compaction. */
  error?: unknown;
}

/** Minting lost every race. */
export class FileIdMintError extends Error {
  /**
   * @param attempts How many mint commits were tried.
   * @param options Standard error options.
   * @example
   * ```ts
   * import { FileIdMintError } from "./delta_manifest_repo.ts";
   * if (!new FileIdMintError(3).message.includes("lost 3 commit races")) throw new Error("message");
   * ```
   */
  constructor(attempts: number, options?: ErrorOptions) {
    super(`Cannot mint file ids: lost ${attempts} commit races in a row`, options);
    this.name = "FileIdMintError";
  }
}

/** The manifest on a Delta table. */
export class DeltaManifestRepo implements IngestionManifestRepository {
  /** The underlying table. */
  readonly table: DeltaTableRepo;
  #maxAttempts: number;
  #now: () => number;
  #threshold: number;
  #targetBytes: number;
  #lastMaintenance: ManifestCompaction | undefined;
  /** Small files counted at a version, to skip counting while under the threshold. */
  #seen: { version: number; small: number } | undefined;

  /**
   * Create a `DeltaManifestRepo`.
   *
   * @param uri Location of the manifest table.
   * @param options Mint retries and clock.
   * @example
   * ```ts
   * import { DeltaManifestRepo } from "./delta_manifest_repo.ts";
   * const dir = await Deno.makeTempDir();
   * const repo = new DeltaManifestRepo(`${dir}/m`);
   * const meta = {
   *   vendor: "tardis", exchange: "deribit", data_type: "trades", symbol: "BTC-PERPETUAL",
   *   date: "2024-07-30", bronze_path: "x/deribit_trades_2024-07-30_BTC-PERPETUAL.csv.gz",
   *   file_size_bytes: 10, last_modified_ts: 0, sha256: "ab",
   * };
   * const a = await repo.resolveFileId(meta);
   * const b = await repo.resolveFileId(meta);
   * await Deno.remove(dir, { recursive: true });
   * if (a !== 1 || b !== 1) throw new Error(`${a} ${b}`);
   * ```
   */
  constructor(uri: string, options: DeltaManifestRepoOptions = {}) {
    this.table = new DeltaTableRepo(uri, INGEST_MANIFEST_SCHEMA, {
      storageOptions: options.storageOptions,
    });
    this.#maxAttempts = options.maxMintAttempts ?? 50;
    this.#now = options.nowUs ?? (() => Date.now() * 1000);
    this.#threshold = options.compactThreshold ?? MANIFEST_COMPACT_THRESHOLD;
    this.#targetBytes = options.compactTargetBytes ?? MANIFEST_COMPACT_TARGET_BYTES;
  }

  /**
   * The last compaction this repository ran automatically (`undefined` when none yet). Its
   * `error` is how a failed compaction shows: it never fails the status write.
   */
  get lastMaintenance(): ManifestCompaction | undefined {
    return this.#lastMaintenance;
  }

  /**
   * The live small files of the manifest (those a compaction would merge).
   *
   * @returns How many live files are under half of the compaction target (0 when no table).
   */
  async countSmallFiles(): Promise<number> {
    const table = await this.table.open();
    return table ? _countSmall(table, this.#targetBytes) : 0;
  }

  /**
   * Compact the manifest's small files now (`optimize`, `dataChange: false`): every status
   * row is kept, only the files holding them change. A compaction that loses the race to
   * another process's compaction is skipped, not thrown.
   *
   * @returns What was done; `skipped: "conflict"` when another compaction won.
   * @throws Errors other than a commit conflict (reading or writing files).
   */
  async compact(): Promise<ManifestCompaction> {
    return await this.#compact(await this.countSmallFiles());
  }

  /** Compact, given the small files just counted on the latest snapshot. */
  async #compact(smallFiles: number): Promise<ManifestCompaction> {
    if (smallFiles < 2) return { smallFiles, committed: false, filesRemoved: 0, filesAdded: 0 };
    try {
      const r = await optimize(this.table.uri, {
        targetSize: this.#targetBytes,
        storageOptions: this.table.storageOptions,
      });
      return {
        smallFiles,
        committed: r.committed,
        filesRemoved: r.filesRemoved,
        filesAdded: r.filesAdded,
      };
    } catch (err) {
      if (!(err instanceof CommitConflictError)) throw err;
      return {
        smallFiles,
        committed: false,
        filesRemoved: 0,
        filesAdded: 0,
        skipped: "conflict",
        error: err,
      };
    }
  }

  /**
   * After our commit at `version`: compact when the small files reached the threshold. Every
   * manifest commit adds at most one file, so small files <= the count last seen + commits
   * since; the snapshot is only loaded to count when that bound reaches the threshold (about
   * once per `threshold` commits, not once per status). Never throws.
   */
  async #maintain(version: number): Promise<void> {
    const threshold = Math.max(2, this.#threshold);
    if (!Number.isFinite(threshold)) return;
    const seen = this.#seen;
    if (seen && seen.small + (version - seen.version) < threshold) return;
    this.#seen = undefined;
    try {
      const table = await this.table.open();
      if (!table) return;
      const small = _countSmall(table, this.#targetBytes);
      if (small < threshold) {
        this.#seen = { version: table.version, small };
        return;
      }
      this.#lastMaintenance = await this.#compact(small); // count afresh after the next commit
    } catch (err) {
      // The status row already landed: report the housekeeping failure, don't fail the ingest.
      this.#lastMaintenance = {
        smallFiles: 0,
        committed: false,
        filesRemoved: 0,
        filesAdded: 0,
        skipped: "error",
        error: err,
      };
    }
  }

  /** Location of the manifest table. */
  get uri(): string {
    return this.table.uri;
  }

  /**
   * Every row of the status log (several per file).
   *
   * @returns The log, conformed to the manifest schema.
   */
  async readLog(): Promise<DataFrame> {
    return (await this.#readLogAndCounter()).log;
  }

  /** The log and the mint counter, from one snapshot (one log replay instead of two). */
  async #readLogAndCounter(): Promise<{ log: pl.DataFrame; mints: number }> {
    const table = await this.table.open();
    const mints = table?.transactionVersion(FILE_ID_APP_ID) ?? 0;
    return { log: await this.table.readSnapshot(table), mints };
  }

  /**
   * The current manifest: the latest status row of each `file_id`, sorted by `file_id`.
   *
   * @returns One row per file id.
   */
  async readAll(): Promise<DataFrame> {
    return _latest(await this.readLog());
  }

  /**
   * The files that need ingesting: the domain's `filterPending`, one batch left join of the
   * candidates with the current manifest on `(bronze_path, sha256)`. New identities,
   * `pending` ones (an interrupted ingest), `failed` ones (retried on every run, so a failure
   * keeps being reported until it is fixed) and identities whose path holds newer content that
   * was reverted are pending; `quarantined` ones too with `retryQuarantined`; all with `force`.
   *
   * @param candidates Discovered files.
   * @param options `force`, `retryQuarantined`.
   * @returns The pending candidates, in input order.
   */
  async filterPending(
    candidates: readonly BronzeFileMetadata[],
    options: ManifestFilterOptions = {},
  ): Promise<BronzeFileMetadata[]> {
    if (candidates.length === 0) return [];
    if (options.force) return [...candidates];
    const current = await this.readAll();
    if (current.height === 0) return [...candidates];
    const cand = pl.DataFrame({
      _idx: pl.Series("_idx", candidates.map((_, i) => i), pl.Int64),
      bronze_path: pl.Series("bronze_path", candidates.map((c) => c.bronze_path), pl.Utf8),
      sha256: pl.Series("sha256", candidates.map((c) => c.sha256), pl.Utf8),
    });
    const picked = new Set<number>(
      (filterPending(cand, current, { retryFailed: true }).getColumn("_idx").toArray() as number[])
        .map(Number),
    );
    if (options.retryQuarantined) {
      const quarantined = current.filter(pl.col("status").eq(pl.lit("quarantined")))
        .select("bronze_path", "sha256");
      const again = cand.join(quarantined, { on: ["bronze_path", "sha256"], how: "inner" });
      for (const i of again.getColumn("_idx").toArray() as unknown as number[]) {
        picked.add(Number(i));
      }
    }
    return candidates.filter((_, i) => picked.has(i));
  }

  /**
   * The id of one file, minting it when its identity is new.
   *
   * @param meta The file.
   * @returns Its `file_id`.
   * @throws {FileIdMintError} When minting loses every race.
   */
  async resolveFileId(meta: BronzeFileMetadata): Promise<number> {
    return (await this.resolveFileIds([meta]))[0].fileId;
  }

  /**
   * The manifest entries of many files, minting every new identity in one commit.
   *
   * @param metas The files.
   * @returns One entry per file, in input order: id, current status, attempts so far and the
   * other ids of the same bronze path (older content whose rows the file replaces).
   * @throws {FileIdMintError} When minting loses every race.
   */
  async resolveFileIds(metas: readonly BronzeFileMetadata[]): Promise<ManifestEntry[]> {
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      // The mint counter and the log come from one snapshot: a mint landing after it makes
      // our commit stale, and the writer then skips it (its txn version is already taken).
      const { log, mints } = await this.#readLogAndCounter();
      const state = _State.of(log);
      const fresh: BronzeFileMetadata[] = [];
      const seen = new Set<string>();
      for (const m of metas) {
        const key = _identity(m);
        if (!state.ids.has(key) && !seen.has(key)) {
          seen.add(key);
          fresh.push(m);
        }
      }
      if (fresh.length === 0) return metas.map((m) => state.entry(m));
      let next = state.maxId;
      const now = this.#now();
      const rows = fresh.map((m) => ({ meta: m, fileId: ++next }));
      const df = _statusRows(
        rows.map((r) => ({ ...r, status: "pending" as const, result: {}, createdAt: now })),
      );
      let version: number;
      try {
        const res = await this.table.append(df, {
          txn: { appId: FILE_ID_APP_ID, version: mints + 1 },
        });
        if (res.skipped) {
          await _sleep(Math.random() * 20 * attempt);
          continue; // another process minted since our read
        }
        version = res.version;
      } catch (err) {
        if (err instanceof CommitConflictError) {
          await _sleep(Math.random() * 20 * attempt);
          continue;
        }
        throw err;
      }
      for (const r of rows) state.add(r.meta, r.fileId);
      await this.#maintain(version);
      return metas.map((m) => state.entry(m));
    }
    throw new FileIdMintError(this.#maxAttempts);
  }

  /**
   * Record a status for a file: appends one row (the log is never rewritten per file).
   *
   * @param fileId The file's id.
   * @param status The new status.
   * @param meta The file.
   * @param result Counts, timestamps and the error message.
   */
  async updateStatus(
    fileId: number,
    status: IngestStatus,
    meta: BronzeFileMetadata,
    result: IngestResult = {},
  ): Promise<void> {
    const now = this.#now();
    const df = _statusRows([{ meta, fileId, status, result, createdAt: now, finishedAt: now }]);
    const { version } = await this.table.append(df);
    await this.#maintain(version);
  }
}

function _countSmall(table: DeltaTable, targetBytes: number): number {
  let n = 0;
  for (const f of table.files()) if (f.size < targetBytes / 2 && !f.deletionVector) n++;
  return n;
}

function _identity(m: { bronze_path: string; sha256: string }): string {
  return `${m.bronze_path}\u0000${m.sha256}`;
}

/** What resolving needs to know about the log. */
class _State {
  ids = new Map<string, number>();
  status = new Map<number, IngestStatus>();
  attempts = new Map<number, number>();
  idsByPath = new Map<string, Set<number>>();
  maxId = 0;

  static of(log: pl.DataFrame): _State {
    const s = new _State();
    if (log.height === 0) return s;
    // Whole columns, not records: one conversion per column instead of one object per row.
    const latest = _latest(log);
    const ids = latest.getColumn("file_id").toArray() as unknown as (number | bigint)[];
    const paths = latest.getColumn("bronze_path").toArray() as string[];
    const shas = latest.getColumn("sha256").toArray() as string[];
    const statuses = latest.getColumn("status").toArray() as IngestStatus[];
    for (let i = 0; i < ids.length; i++) {
      const id = Number(ids[i]);
      s.add({ bronze_path: paths[i], sha256: shas[i] }, id);
      s.status.set(id, statuses[i]);
    }
    const counts = log.filter(pl.col("status").neq(pl.lit("pending")))
      .groupBy("file_id").agg(pl.len().alias("n"));
    const countIds = counts.getColumn("file_id").toArray() as unknown as (number | bigint)[];
    const ns = counts.getColumn("n").toArray() as unknown as (number | bigint)[];
    for (let i = 0; i < countIds.length; i++) s.attempts.set(Number(countIds[i]), Number(ns[i]));
    return s;
  }

  add(m: { bronze_path: string; sha256: string }, id: number): void {
    this.ids.set(_identity(m), id);
    if (!this.idsByPath.has(m.bronze_path)) this.idsByPath.set(m.bronze_path, new Set());
    this.idsByPath.get(m.bronze_path)!.add(id);
    if (id > this.maxId) this.maxId = id;
  }

  entry(m: BronzeFileMetadata): ManifestEntry {
    const fileId = this.ids.get(_identity(m))!;
    const others = [...(this.idsByPath.get(m.bronze_path) ?? [])].filter((id) => id !== fileId);
    return {
      fileId,
      status: this.status.get(fileId) ?? "pending",
      attempts: this.attempts.get(fileId) ?? 0,
      supersededFileIds: others.sort((a, b) => a - b),
    };
  }
}

/** The latest row of each file id. */
function _latest(log: pl.DataFrame): pl.DataFrame {
  if (log.height === 0) return log;
  const rank = pl.when(pl.col("status").eq(pl.lit("success"))).then(pl.lit(3))
    .when(pl.col("status").eq(pl.lit("quarantined"))).then(pl.lit(2))
    .when(pl.col("status").eq(pl.lit("failed"))).then(pl.lit(1))
    .otherwise(pl.lit(0));
  return log
    .withColumns(
      pl.col("finished_at_ts").fillNull(-1).alias("_finished"),
      rank.alias("_rank"),
    )
    .sort(["file_id", "_finished", "_rank"])
    .unique({ subset: ["file_id"], keep: "last", maintainOrder: true })
    .drop("_finished", "_rank");
}

interface _StatusRow {
  meta: BronzeFileMetadata;
  fileId: number;
  status: IngestStatus;
  result: IngestResult;
  createdAt: number;
  finishedAt?: number;
}

/** Manifest rows with explicit types (Int64 never inferred from JS numbers). */
function _statusRows(rows: _StatusRow[]): pl.DataFrame {
  const i64 = (name: string, values: (number | null | undefined)[]) =>
    pl.Series(name, values.map((v) => v ?? null), pl.Int64);
  const str = (name: string, values: (string | null | undefined)[]) =>
    pl.Series(name, values.map((v) => v ?? null), pl.Utf8);
  const df = pl.DataFrame([
    i64("file_id", rows.map((r) => r.fileId)),
    str("vendor", rows.map((r) => r.meta.vendor)),
    str("exchange", rows.map((r) => r.meta.exchange)),
    str("data_type", rows.map((r) => r.meta.data_type)),
    str("symbol", rows.map((r) => r.meta.symbol)),
    str("date", rows.map((r) => r.meta.date)),
    str("bronze_path", rows.map((r) => r.meta.bronze_path)),
    i64("file_size_bytes", rows.map((r) => r.meta.file_size_bytes)),
    i64("last_modified_ts", rows.map((r) => r.meta.last_modified_ts)),
    str("sha256", rows.map((r) => r.meta.sha256)),
    str("status", rows.map((r) => r.status)),
    i64("rows_read", rows.map((r) => r.result.rows_read)),
    i64("rows_written", rows.map((r) => r.result.rows_written)),
    i64("rows_quarantined", rows.map((r) => r.result.rows_quarantined)),
    i64("ts_local_min_us", rows.map((r) => r.result.ts_local_min_us)),
    i64("ts_local_max_us", rows.map((r) => r.result.ts_local_max_us)),
    str("error_message", rows.map((r) => r.result.error_message)),
    i64("created_at_ts", rows.map((r) => r.createdAt)),
    i64("finished_at_ts", rows.map((r) => r.finishedAt)),
  ]).withColumns(pl.col("date").str.strptime(pl.Date, "%Y-%m-%d"));
  const wanted = INGEST_MANIFEST_SCHEMA.columns.map((c) => c.name);
  return conformToSchema(
    df.select(...wanted.filter((c) => df.columns.includes(c))),
    INGEST_MANIFEST_SCHEMA,
  );
}

function _sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
