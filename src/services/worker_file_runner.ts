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
 *   cannot start ends its current file `failed` with a one-line message (`Ingest worker stopped
 *   while ingesting "<path>": <why>`), recorded in the manifest by this side; the worker is
 *   terminated and a fresh one takes the next file, so the run goes on and never waits on a dead
 *   worker. A worker that dies while idle is replaced when its next file comes; if the
 *   replacement dies too before the file reaches it, that file fails (`... stopped before
 *   ingesting ...`).
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
  /** Settles the file running on it with this reply. */
  settle?: (reply: IngestWorkerReply) => void;
  /** Why it stopped, when it stopped with no file running (it is terminated then). */
  dead?: string;
}

class _WorkerSession implements FileRunSession {
  #options: WorkerFileRunnerOptions;
  #dim: Uint8Array;
  #idle: _Slot[] = [];
  #all = new Set<_Slot>();
  #waiting: ((slot: _Slot | undefined) => void)[] = [];
  #nextId = 0;
  #closed = false;

  constructor(options: WorkerFileRunnerOptions, dim: DataFrame, jobs: number) {
    this.#options = options;
    const ipc = dim.writeIPC();
    this.#dim = new Uint8Array(ipc.buffer, ipc.byteOffset, ipc.byteLength);
    for (let i = 0; i < Math.max(1, Math.floor(jobs)); i++) this.#idle.push(this.#spawn());
  }

  async ingest(task: FileTask): Promise<FileResult> {
    let slot = await this.#acquire();
    if (slot?.dead !== undefined && !this.#closed) slot = this.#spawn(); // it died while idle
    if (slot === undefined) return await this.#fail(task, "before", "the workers were closed");
    const live = slot;
    const id = this.#nextId++;
    // Checked and posted in one synchronous step: a crash after it settles this file.
    const reply = await new Promise<IngestWorkerReply>((resolve) => {
      if (live.dead !== undefined) return resolve({ type: "crash", message: live.dead });
      live.settle = resolve;
      try {
        live.worker.postMessage({ type: "file", id, task } satisfies IngestWorkerRequest);
      } catch (err) {
        resolve({ type: "crash", message: `cannot post the file: ${String(err)}` });
      }
    });
    const sent = live.settle !== undefined;
    live.settle = undefined;
    if (reply.type === "result" && reply.id === id) {
      this.#release(live);
      return reply.result;
    }
    // The worker died (or answered out of turn): record the file failed, a fresh worker goes on.
    this.#retire(live);
    if (!this.#closed) this.#release(this.#spawn());
    const why = reply.type === "crash" ? reply.message : "it answered for another file";
    return await this.#fail(task, sent ? "while" : "before", why);
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const slot of [...this.#all]) {
      slot.settle?.({ type: "crash", message: "the workers were closed" });
      this.#retire(slot);
    }
    this.#idle = [];
    for (const waiter of this.#waiting.splice(0)) waiter(undefined);
    return Promise.resolve();
  }

  #fail(task: FileTask, when: "before" | "while", why: string): Promise<FileResult> {
    const path = task.meta.bronze_path;
    return recordFileFailure(
      this.#options.manifest,
      task,
      `Ingest worker stopped ${when} ingesting "${path}": ${_oneLine(why)}`,
    );
  }

  /** A new worker, given the lake and the dim. */
  #spawn(): _Slot {
    const url = this.#options.workerUrl ?? new URL("./ingest_worker.ts", import.meta.url);
    const worker = new Worker(url, { type: "module" });
    const slot: _Slot = { worker };
    // A crash while running a file settles that file; while idle, marks the worker dead.
    const crash = (message: string) => {
      if (slot.settle) return slot.settle({ type: "crash", message });
      slot.dead ??= message;
      this.#retire(slot);
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

  /** The first worker to be free (possibly one that died while idle), or undefined once closed. */
  #acquire(): Promise<_Slot | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    const slot = this.#idle.pop();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve) => this.#waiting.push(resolve));
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
