/**
 * A {@linkcode FileRunner} on Deno Workers: the files of a run are ingested on `jobs` worker
 * threads of this process, one file per worker at a time, the next file going to the first
 * free worker. Real parallelism: the per-file work (cutting CSV lines, the synchronous
 * nodejs-polars calls) runs on each worker's own thread instead of taking turns on one.
 *
 * The rules:
 * - Each worker opens the same lake itself from a plain {@linkcode DeltaLakeLocation} (lake
 *   root, bronze root, storage options; missing S3 settings come from the environment, which
 *   workers share with the process), and receives the run's `dim_symbol` snapshot as Arrow IPC
 *   bytes, so every file resolves against the same dim as in a sequential run. It runs the same
 *   per-file step (`ingestOneFile`: ingest, then record the status in the manifest) and posts
 *   back the file's result.
 * - A worker that throws outside that step, rejects a promise nobody handles, stops itself, or
 *   cannot start ends its current file `failed` with a one-line message, recorded in the
 *   manifest by this side; the worker is terminated and a fresh one takes the next file, so the
 *   run goes on and never waits on a dead worker.
 * - `close` terminates every worker; a file still running then ends `failed`.
 *
 * @module
 */
import type { DataFrame } from "../polars_types.ts";
import type { OpenDeltaLakeOptions } from "../io/delta_lake.ts";
import type { IngestionManifestRepository } from "../io/protocols.ts";
import type { FileRunContext, FileRunner, FileRunSession } from "./file_runner.ts";
import { type FileResult, type FileTask, recordFileFailure } from "./ingest_one_file.ts";

/** Where a lake is, as plain data a worker can open it from (see `openDeltaLake`). */
export interface DeltaLakeLocation extends OpenDeltaLakeOptions {
  /** The lake root: a folder or an `s3://bucket/prefix` URI. */
  root: string;
}

/** Parent to worker. */
export type IngestWorkerRequest =
  | { type: "init"; lake: DeltaLakeLocation; dim: Uint8Array }
  | { type: "file"; id: number; task: FileTask };

/** Worker to parent. */
export type IngestWorkerReply =
  | { type: "result"; id: number; result: FileResult }
  | { type: "crash"; message: string };

/** Options of {@linkcode WorkerFileRunner}. */
export interface WorkerFileRunnerOptions {
  /** The lake every worker opens. */
  lake: DeltaLakeLocation;
  /** The lake's manifest, where this side records the files of workers that died. */
  manifest: IngestionManifestRepository;
  /**
   * The worker module. @default {`ingest_worker.ts` next to this module}
   */
  workerUrl?: URL;
}

/** Runs files on Deno Workers. */
export class WorkerFileRunner implements FileRunner {
  #options: WorkerFileRunnerOptions;

  /**
   * Create the runner (no worker starts before a session opens).
   *
   * @param options The lake, its manifest and the worker module.
   * @example
   * ```ts
   * import { WorkerFileRunner } from "./worker_file_runner.ts";
   * import { openDeltaLake } from "../io/delta_lake.ts";
   * import { buildIngestion } from "./build_ingestion.ts";
   * import { writeSampleBronze } from "../sample/sample_bronze.ts";
   * const root = await Deno.makeTempDir();
   * await writeSampleBronze(`${root}/bronze`, { rows: 5 });
   * const lake = openDeltaLake(root);
   * const workers = new WorkerFileRunner({ lake: { root }, manifest: lake.manifest });
   * const { ingestion } = buildIngestion(lake, { parallelRunner: workers });
   * const result = await ingestion.run({ jobs: 2, dataTypes: ["trades"] });
   * await Deno.remove(root, { recursive: true });
   * // dim_symbol is empty here: every file's rows wait in quarantine
   * if (result.byStatus.quarantined !== 6) throw new Error(JSON.stringify(result.byStatus));
   * ```
   */
  constructor(options: WorkerFileRunnerOptions) {
    this.#options = options;
  }

  /**
   * Open a session: `context.jobs` workers start, each given the lake and `context.dim`.
   *
   * @param context The run's dim and number of jobs.
   * @returns The session.
   */
  open(context: FileRunContext): Promise<FileRunSession> {
    return Promise.resolve(new _WorkerSession(this.#options, context.dim, context.jobs));
  }
}

/** One worker and the file it runs. */
interface _Slot {
  worker: Worker;
  /** Settles the file running on it with this reply (or this failure message). */
  settle?: (reply: IngestWorkerReply) => void;
}

class _WorkerSession implements FileRunSession {
  #options: WorkerFileRunnerOptions;
  #dim: Uint8Array;
  #idle: _Slot[] = [];
  #all = new Set<_Slot>();
  #size: number;
  #waiting: ((slot: _Slot | undefined) => void)[] = [];
  #nextId = 0;
  #closed = false;

  constructor(options: WorkerFileRunnerOptions, dim: DataFrame, jobs: number) {
    this.#options = options;
    const ipc = dim.writeIPC();
    this.#dim = new Uint8Array(ipc.buffer, ipc.byteOffset, ipc.byteLength);
    this.#size = Math.max(1, Math.floor(jobs));
    for (let i = 0; i < this.#size; i++) this.#idle.push(this.#spawn());
  }

  async ingest(task: FileTask): Promise<FileResult> {
    if (this.#closed) {
      return await recordFileFailure(
        this.#options.manifest,
        task,
        "The ingest workers were closed",
      );
    }
    const slot = await this.#acquire();
    if (!slot) {
      return await recordFileFailure(
        this.#options.manifest,
        task,
        "The ingest workers were closed",
      );
    }
    const id = this.#nextId++;
    const reply = await new Promise<IngestWorkerReply>((resolve) => {
      slot.settle = resolve;
      try {
        slot.worker.postMessage({ type: "file", id, task } satisfies IngestWorkerRequest);
      } catch (err) {
        resolve({ type: "crash", message: `cannot post the file: ${String(err)}` });
      }
    });
    slot.settle = undefined;
    if (reply.type === "result" && reply.id === id) {
      this.#release(slot);
      return reply.result;
    }
    // The worker died (or answered out of turn): replace it, record the file as failed.
    this.#retire(slot);
    const why = reply.type === "crash" ? reply.message : "it answered for another file";
    const result = await recordFileFailure(
      this.#options.manifest,
      task,
      `Ingest worker stopped while ingesting "${task.meta.bronze_path}": ${_oneLine(why)}`,
    );
    if (!this.#closed) this.#release(this.#spawn());
    return result;
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const slot of [...this.#all]) {
      slot.settle?.({ type: "crash", message: "the ingest workers were closed" });
      this.#retire(slot);
    }
    this.#idle = [];
    for (const waiter of this.#waiting.splice(0)) waiter(undefined);
    return Promise.resolve();
  }

  /** A new worker, given the lake and the dim. */
  #spawn(): _Slot {
    const url = this.#options.workerUrl ?? new URL("./ingest_worker.ts", import.meta.url);
    const worker = new Worker(url, { type: "module" });
    const slot: _Slot = { worker };
    // A crash while idle retires the worker; while running a file, settles that file.
    const crash = (message: string) => {
      if (slot.settle) slot.settle({ type: "crash", message });
      else this.#retire(slot);
    };
    worker.onmessage = (e: MessageEvent<IngestWorkerReply>) => {
      if (e.data.type === "crash") crash(e.data.message);
      else slot.settle?.(e.data);
    };
    // An error the worker did not report itself (e.g. its module failed to load).
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      crash(e.message || "worker error");
    };
    worker.onmessageerror = () => crash("a message from the worker could not be read");
    const dim = this.#dim.slice();
    const lake = this.#options.lake;
    worker.postMessage({ type: "init", lake, dim } satisfies IngestWorkerRequest, [dim.buffer]);
    this.#all.add(slot);
    return slot;
  }

  /** A free worker (the first to become free), or undefined once closed. */
  async #acquire(): Promise<_Slot | undefined> {
    while (!this.#closed) {
      const slot = this.#idle.pop() ??
        await new Promise<_Slot | undefined>((resolve) => this.#waiting.push(resolve));
      if (slot === undefined || this.#all.has(slot)) return slot;
      // retired while idle (it crashed between files): start another in its place
      if (!this.#closed) this.#release(this.#spawn());
    }
    return undefined;
  }

  #release(slot: _Slot): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(slot);
    else this.#idle.push(slot);
  }

  #retire(slot: _Slot): void {
    this.#all.delete(slot);
    slot.worker.terminate();
  }
}

function _oneLine(text: string): string {
  return text.split("\n")[0].trim();
}
