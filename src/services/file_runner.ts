/**
 * Where the files of an ingestion run are ingested: the run decides what to ingest (discovery,
 * filtering, ids, duplicate owners, the `dim_symbol` snapshot) and hands each file to a
 * {@linkcode FileRunner}'s session, which runs the per-file step (`ingestOneFile`) somewhere
 * and gives back the file's result.
 *
 * The rule every runner must keep: a session's `ingest` resolves with the file's result and
 * never rejects (an error, even a crashed thread, ends that file `failed` with a one-line
 * message), every file sees the `dim` the session was opened with, and `close` releases
 * everything the session holds (no thread outlives the run). So a run's outcome does not depend
 * on the runner.
 *
 * {@linkcode InProcessFileRunner} runs files in the run's own thread (several at once are async
 * concurrency: the per-file work is mostly synchronous, so they take turns); it is the default
 * and what tests and notebooks use. `WorkerFileRunner` (`worker_file_runner.ts`) runs them on
 * Deno Workers, one file per worker at a time, for real parallelism in one process.
 *
 * @module
 */
import type { DataFrame } from "../polars_types.ts";
import {
  type FileResult,
  type FileStepDeps,
  type FileTask,
  ingestOneFile,
} from "./ingest_one_file.ts";

/** What a session is opened with. */
export interface FileRunContext {
  /** The `dim_symbol` snapshot every file of the run resolves against. */
  dim: DataFrame;
  /** Files the run ingests at once (the session may size its threads by it). */
  jobs: number;
}

/** One run's use of a runner. */
export interface FileRunSession {
  /**
   * Ingest one file and record its status.
   *
   * @param task The file.
   * @returns Its result; never rejects.
   */
  ingest(task: FileTask): Promise<FileResult>;
  /** Release what the session holds (threads); the session is unusable after. */
  close(): Promise<void>;
}

/** Runs the per-file step of ingestion runs. */
export interface FileRunner {
  /**
   * Open a session for one run.
   *
   * @param context The run's dim and number of jobs.
   * @returns The session.
   */
  open(context: FileRunContext): Promise<FileRunSession>;
}

/** Runs files in the calling thread. */
export class InProcessFileRunner implements FileRunner {
  #deps: FileStepDeps;

  /**
   * Create the runner.
   *
   * @param deps The event-table services and the manifest.
   * @example
   * ```ts
   * import pl from "nodejs-polars";
   * import { InProcessFileRunner } from "./file_runner.ts";
   * import type { IngestionManifestRepository } from "../io/protocols.ts";
   * const manifest = { updateStatus: () => Promise.resolve() } as unknown as IngestionManifestRepository;
   * const session = await new InProcessFileRunner({ services: {}, manifest })
   *   .open({ dim: pl.DataFrame({}), jobs: 1 });
   * const meta = {
   *   vendor: "tardis", exchange: "binance", data_type: "candles", symbol: "BTCUSDT",
   *   date: "2024-07-30", bronze_path: "a.csv.gz", file_size_bytes: 1, last_modified_ts: 0, sha256: "x",
   * };
   * const entry = { fileId: 1, status: "pending" as const, attempts: 0, supersededFileIds: [] };
   * const r = await session.ingest({ meta, entry, memoryBytes: 1 });
   * await session.close();
   * if (r.status !== "failed") throw new Error(r.status);
   * ```
   */
  constructor(deps: FileStepDeps) {
    this.#deps = deps;
  }

  /**
   * Open a session: files run in this thread against `context.dim`.
   *
   * @param context The run's dim.
   * @returns The session.
   */
  open(context: FileRunContext): Promise<FileRunSession> {
    const deps = this.#deps;
    return Promise.resolve({
      ingest: (task: FileTask) => ingestOneFile(deps, task, context.dim),
      close: () => Promise.resolve(),
    });
  }
}
