/**
 * The ingestion loop: bronze files in, silver event tables and the manifest out.
 *
 * 1. **Discover**: `source.listFiles(glob)`, narrowed by exchange / data type / date range
 *    before hashing. Files in no layout, and files whose data type has no event table, are
 *    reported in the result (never silently dropped) and not ingested. A file that cannot be
 *    stat'ed, opened or hashed (see `UnreadableBronzeFile`) ends `failed` in the result with
 *    its reason, and the run goes on; as its content, so its identity `(bronze_path,
 *    sha256)`, is unknown, it gets no id and no manifest row, and the next run tries it again.
 *    A folder that cannot be listed is reported in `unreadable` too.
 * 2. **Filter**: `manifest.filterPending` — one batch anti-join on `(bronze_path, sha256)`.
 * 3. **Resolve ids**: `manifest.resolveFileIds` mints every new id in one commit (ids are the
 *    same for the same bronze set in every clean run, and unique across concurrent runs).
 * 4. **Per file** (`ingestOneFile`, see `ingest_one_file.ts`): a second path holding the same
 *    logical file (same exchange, data type, symbol and day as a path already ingested, or as a
 *    hive path, or an earlier path) fails with `DuplicateBronzeFileError` instead of doubling
 *    rows. Otherwise the table's {@linkcode EventTableService} ingests it exactly once for its
 *    `(file_id, attempt)`; then `manifest.updateStatus` records `success`, `quarantined` or
 *    `failed` with counts, time range and error message. An error in one file is recorded and
 *    the loop goes on.
 *
 * **Jobs.** Steps 1–3, the duplicate owners and the `dim_symbol` snapshot are decided once, in
 * this thread; then `jobs` files at a time go through step 4, the next file to the first free
 * job, each with `memoryBytes / jobs`. One job runs in this thread. More jobs run on the
 * service's `parallelRunner` (a {@linkcode FileRunner}; the `ingest` task gives a
 * `WorkerFileRunner`, one Deno Worker per job), or, without one, as async concurrency in this
 * thread. Every file sees the same dim and its own minted id, and commits on its own, so the
 * tables and the manifest end as after a run with one job; only the order of the commits
 * differs.
 *
 * **Exactly-once.** Rows are committed with a Delta `txn` per file (see
 * `delta_table_repo.ts`); the status is recorded after. A crash before the rows commit leaves
 * the file `pending` (or without id): the re-run writes it. A crash after the commit but before
 * the status: the re-run finds the `txn` and skips the write. So every table ends equal to one
 * clean run. A changed file at the same path gets a new id whose commit is followed by the
 * deletion of the older id's rows.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "../polars_types.ts";
import { parseBronzePath } from "../io/bronze_layout.ts";
import type {
  BronzeFileCandidate,
  BronzeFileMetadata,
  BronzeSource,
  IngestionManifestRepository,
  IngestStatus,
  UnmatchedBronzeFile,
  UnreadableBronzeFile,
} from "../io/protocols.ts";
import { collectGarbage } from "./collect_garbage.ts";
import { DEFAULT_FILE_MEMORY_BYTES, type EventTableService } from "./event_table_service.ts";
import { type FileRunner, InProcessFileRunner } from "./file_runner.ts";
import { defaultIngestJobs } from "./ingest_jobs.ts";
import { type FileResult, fileResult } from "./ingest_one_file.ts";

/** One progress step, reported after each file. */
export interface IngestProgress {
  /** Files finished so far in this run. */
  done: number;
  /** Files to ingest in this run. */
  total: number;
  /** The file just finished (bronze path). */
  file: string;
  /** Its status. */
  status: IngestStatus;
  /** Rows it wrote to its event table. */
  rows: number;
  /** Files being ingested right now (with `jobs` > 1, several, one per job). */
  running: readonly string[];
}

/** Options of {@linkcode IngestionService.run}. */
export interface IngestRunOptions {
  /** Glob over bronze-relative paths. @default {"**"} */
  glob?: string;
  /** Only these Tardis data types. @default {all with an event table} */
  dataTypes?: readonly string[];
  /** Only these exchanges. @default {all} */
  exchanges?: readonly string[];
  /** First day, `YYYY-MM-DD`, inclusive. @default {undefined} */
  since?: string;
  /** Last day, `YYYY-MM-DD`, inclusive. @default {undefined} */
  until?: string;
  /** Re-ingest files already ingested successfully. @default {false} */
  force?: boolean;
  /** Re-ingest files whose status is `quarantined`. @default {false} */
  retryQuarantined?: boolean;
  /** Only discover and filter: no ids minted, nothing written. @default {false} */
  dryRun?: boolean;
  /** Only shard `index` of `count` (files split by a hash of their path). @default {undefined} */
  shard?: { index: number; count: number };
  /**
   * Files ingested at once, each getting `memoryBytes / jobs`, or `"auto"` for
   * {@linkcode defaultIngestJobs} of the budget and the pending files' total size. One job runs
   * in this thread; more run on the service's `parallelRunner` (Deno Workers in the `ingest`
   * task), or as async concurrency in this thread when it has none. The outcome equals a run
   * with one job. @default {1}
   */
  jobs?: number | "auto";
  /**
   * Working-set budget of the run in bytes, shared by the jobs; a file whose CSV may not fit
   * its share is streamed in parts (see `EventTableServiceOptions.memoryBytes`).
   * @default {1 GiB}
   */
  memoryBytes?: number;
  /**
   * Data file size of a streamed file in bytes (see
   * `EventTableServiceOptions.fileTargetBytes`). @default {256 MiB}
   */
  fileTargetBytes?: number;
  /** Called after each file. @default {undefined} */
  onProgress?: (progress: IngestProgress) => void;
  /** Called when a file starts, with the files running now. @default {undefined} */
  onStart?: (file: string, running: readonly string[]) => void;
  /** Called once the pending files are known, before the first is ingested. */
  onPlan?: (pending: readonly BronzeFileMetadata[]) => void;
}

/** The outcome of a run. */
export interface IngestRunResult {
  /** Recognised files matching the filters (readable or not). */
  discovered: number;
  /** Files the manifest said were pending. */
  pending: number;
  /** Per-file outcomes, in processing order. */
  files: FileResult[];
  /** Files in no layout (or with an unsafe path), with the reason. */
  unmatched: UnmatchedBronzeFile[];
  /**
   * Entries found but unreadable, with the reason: files (also in `files` as `failed`, without
   * a file id) and folders that cannot be listed (path ending in `/`).
   */
  unreadable: UnreadableBronzeFile[];
  /** Recognised files whose data type has no event table. */
  unsupported: BronzeFileMetadata[];
  /** Counts by status. */
  byStatus: Record<IngestStatus, number>;
  /** Rows written by event table name. */
  rowsByTable: Record<string, number>;
}

/** Options of {@linkcode IngestionService}. */
export interface IngestionServiceOptions {
  /** Where bronze files come from. */
  source: BronzeSource;
  /** The ingest ledger. */
  manifest: IngestionManifestRepository;
  /** Event-table services by Tardis data type. */
  services: Readonly<Record<string, EventTableService>>;
  /** Loads the `dim_symbol` table (once per run). */
  loadDim: () => Promise<DataFrame>;
  /**
   * Runs the files of a run with more than one job (for example a `WorkerFileRunner`).
   * @default {an InProcessFileRunner: async concurrency in this thread}
   */
  parallelRunner?: FileRunner;
}

/** The bronze-to-silver ingestion loop. */
export class IngestionService {
  #source: BronzeSource;
  #manifest: IngestionManifestRepository;
  #services: Readonly<Record<string, EventTableService>>;
  #loadDim: () => Promise<pl.DataFrame>;
  #inProcess: FileRunner;
  #parallel: FileRunner;

  /**
   * Create a `IngestionService`.
   *
   * @param options Source, manifest, per-type services and the dim loader.
   * @example
   * ```ts
   * import { buildIngestion } from "./build_ingestion.ts";
   * import { openDeltaLake } from "../io/delta_lake.ts";
   * import { writeSampleBronze } from "../sample/sample_bronze.ts";
   * const root = await Deno.makeTempDir();
   * await writeSampleBronze(`${root}/bronze`, { rows: 5 });
   * const { ingestion } = buildIngestion(openDeltaLake(root));
   * const plan = await ingestion.run({ dryRun: true, dataTypes: ["trades"] });
   * await Deno.remove(root, { recursive: true });
   * if (plan.pending !== 6 || plan.byStatus.pending !== 6) throw new Error(JSON.stringify(plan.byStatus));
   * ```
   */
  constructor(options: IngestionServiceOptions) {
    this.#source = options.source;
    this.#manifest = options.manifest;
    this.#services = options.services;
    this.#loadDim = options.loadDim;
    this.#inProcess = new InProcessFileRunner({
      services: this.#services,
      manifest: this.#manifest,
    });
    this.#parallel = options.parallelRunner ?? this.#inProcess;
  }

  /**
   * Discover, filter and ingest.
   *
   * @param options Filters, re-ingest switches, dry run and callbacks.
   * @returns Per-file outcomes and totals.
   * @throws {Error} Only for failures outside any one file (listing the bronze folder,
   * reading the manifest or `dim_symbol`, minting ids).
   */
  async run(options: IngestRunOptions = {}): Promise<IngestRunResult> {
    const unmatched: UnmatchedBronzeFile[] = [];
    const unreadable: UnreadableBronzeFile[] = [];
    const unsupported: BronzeFileMetadata[] = [];
    const candidates: BronzeFileMetadata[] = [];
    const exchanges = options.exchanges?.map((e) => e.trim().toLowerCase());
    const keep = (c: BronzeFileCandidate) =>
      (!options.dataTypes || options.dataTypes.includes(c.data_type)) &&
      (!exchanges || exchanges.includes(c.exchange)) &&
      (!options.since || c.date >= options.since) &&
      (!options.until || c.date <= options.until) &&
      (!options.shard || shardOf(c.bronze_path, options.shard.count) === options.shard.index);
    for await (
      const meta of this.#source.listFiles(options.glob ?? "**", {
        onUnmatched: (u) => unmatched.push(u),
        onUnreadable: (u) => unreadable.push(u),
        filter: keep,
      })
    ) {
      // Defence in depth: a source other than the local one must not smuggle unsafe paths in.
      const check = parseBronzePath(meta.bronze_path);
      if (!check.ok) {
        unmatched.push({ bronze_path: meta.bronze_path, reason: check.reason });
        continue;
      }
      if (!this.#services[meta.data_type]) unsupported.push(meta);
      else candidates.push(meta);
    }
    const pending = await this.#manifest.filterPending(candidates, {
      force: options.force,
      retryQuarantined: options.retryQuarantined,
    });
    const result: IngestRunResult = {
      discovered: candidates.length + unreadable.filter((u) => u.candidate).length,
      pending: pending.length,
      files: [],
      unmatched,
      unreadable,
      unsupported,
      byStatus: { pending: 0, success: 0, failed: 0, quarantined: 0 },
      rowsByTable: {},
    };
    options.onPlan?.(pending);
    if (options.dryRun) {
      for (const meta of pending) {
        result.files.push(fileResult(meta, undefined, "pending", 0, 0, 0, null));
        result.byStatus.pending++;
      }
      _addUnreadable(result, unreadable);
      return result;
    }
    if (pending.length === 0) {
      _addUnreadable(result, unreadable);
      return result;
    }
    const entries = await this.#manifest.resolveFileIds(pending);
    const owners = await this._logicalOwners(candidates);
    const dim = await this.#loadDim();
    const budget = options.memoryBytes ?? DEFAULT_FILE_MEMORY_BYTES;
    const wanted = options.jobs === "auto"
      ? defaultIngestJobs(budget, pending.reduce((n, m) => n + m.file_size_bytes, 0))
      : Math.floor(options.jobs ?? 1);
    const jobs = Math.max(1, Math.min(wanted, pending.length));
    const memoryBytes = Math.floor(budget / jobs);
    const outcomes: FileResult[] = new Array(pending.length);
    const running = new Set<string>();
    let next = 0;
    let done = 0;
    const runner = jobs > 1 ? this.#parallel : this.#inProcess;
    const session = await runner.open({ dim, jobs });
    const loop = async () => {
      while (next < pending.length) {
        const i = next++;
        const meta = pending[i];
        running.add(meta.bronze_path);
        options.onStart?.(meta.bronze_path, [...running]);
        const owner = owners.get(_logicalKey(meta));
        const file = await session.ingest({
          meta,
          entry: entries[i],
          owner,
          memoryBytes,
          fileTargetBytes: options.fileTargetBytes,
        });
        running.delete(meta.bronze_path);
        outcomes[i] = file;
        collectGarbage();
        options.onProgress?.({
          done: ++done,
          total: pending.length,
          file: meta.bronze_path,
          status: file.status,
          rows: file.rowsWritten,
          running: [...running],
        });
      }
    };
    try {
      await Promise.all(Array.from({ length: jobs }, loop));
    } finally {
      await session.close();
    }
    for (const file of outcomes) {
      result.files.push(file);
      result.byStatus[file.status]++;
      const table = this.#services[file.meta.data_type].spec.name;
      result.rowsByTable[table] = (result.rowsByTable[table] ?? 0) + file.rowsWritten;
    }
    _addUnreadable(result, unreadable);
    return result;
  }

  /**
   * The owner path of each logical file: a path already ingested (per the manifest) wins,
   * then a hive path over a flat one, then the first in path order.
   */
  private async _logicalOwners(
    candidates: readonly BronzeFileMetadata[],
  ): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const present = new Set(candidates.map((c) => c.bronze_path));
    const current = await this.#manifest.readAll();
    if (current.height > 0) {
      const done = current.filter(pl.col("status").isIn(["success", "quarantined"]))
        .select("vendor", "exchange", "data_type", "symbol", "date", "bronze_path")
        .withColumns(pl.col("date").cast(pl.Utf8))
        .sort("bronze_path")
        .toRecords();
      for (const r of done) {
        const path = String(r.bronze_path);
        if (!present.has(path)) continue; // a deleted file no longer owns anything
        const key = _logicalKey(r as unknown as BronzeFileMetadata);
        if (!owners.has(key)) owners.set(key, path);
      }
    }
    // Hive paths (the canonical layout) own before flat ones; then path order.
    const isHive = (m: BronzeFileMetadata) => {
      const parsed = parseBronzePath(m.bronze_path);
      return parsed.ok && parsed.info.layout === "hive" ? 0 : 1;
    };
    const ordered = [...candidates].sort((a, b) =>
      isHive(a) - isHive(b) || (a.bronze_path < b.bronze_path ? -1 : 1)
    );
    for (const m of ordered) {
      const key = _logicalKey(m);
      if (!owners.has(key)) owners.set(key, m.bronze_path);
    }
    return owners;
  }
}

/**
 * The shard of a bronze path among `count` shards: an FNV-1a hash of the path modulo `count`,
 * so every process given the same `count` splits the same files the same way, with no
 * coordination.
 *
 * @param bronzePath Path relative to the bronze root.
 * @param count Number of shards (at least 1).
 * @returns The shard index, `0 <= index < count`.
 * @example
 * ```ts
 * import { shardOf } from "./ingestion_service.ts";
 * const s = shardOf("tardis/exchange=binance/a.csv.gz", 3);
 * if (s < 0 || s > 2 || s !== shardOf("tardis/exchange=binance/a.csv.gz", 3)) throw new Error();
 * ```
 */
export function shardOf(bronzePath: string, count: number): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(bronzePath)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % Math.max(1, Math.floor(count));
}

/**
 * Unreadable files end `failed` in the result (after the ingested ones), with no file id: the
 * message says why. Folders stay in `result.unreadable` only.
 */
function _addUnreadable(result: IngestRunResult, unreadable: readonly UnreadableBronzeFile[]) {
  for (const u of unreadable) {
    if (u.candidate === undefined) continue;
    const message = `Cannot read "${u.bronze_path}": ${u.reason}`;
    result.files.push(
      fileResult({ ...u.candidate, sha256: "" }, undefined, "failed", 0, 0, 0, message),
    );
    result.byStatus.failed++;
  }
}

/** Which path owns each logical file `(vendor, exchange, data_type, symbol, date)`. */
function _logicalKey(m: BronzeFileMetadata): string {
  return [m.vendor, m.exchange, m.data_type, m.symbol, m.date].join("\u0000");
}
