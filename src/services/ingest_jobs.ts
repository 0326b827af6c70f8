/**
 * How many files an ingestion run ingests at once when the user does not say.
 *
 * The rule: one job per core (`navigator.hardwareConcurrency`), but never so many that a job's
 * share of the memory budget (`memoryBytes / jobs`) falls below
 * {@linkcode MIN_JOB_MEMORY_BYTES}, nor more than one job per
 * {@linkcode MIN_JOB_BRONZE_BYTES} of pending bronze files (their stored, compressed size), and
 * at least one. The run itself never starts more jobs than it has pending files.
 *
 * Why these bounds: at 256 MiB a job still reads a file of up to 16 MiB of CSV whole and streams
 * larger ones in 16 MiB parts (see `EventTableServiceOptions.memoryBytes`); below it, parts get
 * so small that per-part overhead dominates. A job beyond the first is a Deno Worker, which
 * takes about a second to start (0.5 s of CPU) and about 60 MiB of RSS once loaded, while one
 * job ingests about 20 MB of gzipped trades per second on this project's 2-core test machine:
 * below 32 MiB of bronze per job, starting the worker costs about as much as it saves, so small
 * runs (a few small files, as in the tests) stay in the main thread.
 *
 * @module
 */

/** The smallest share of the memory budget a default job gets: 256 MiB. */
export const MIN_JOB_MEMORY_BYTES = 256 * 2 ** 20;

/** The smallest share of the pending bronze bytes a default job gets: 32 MiB. */
export const MIN_JOB_BRONZE_BYTES = 32 * 2 ** 20;

/**
 * The default number of jobs for a memory budget and the pending files' size: the cores,
 * bounded so each job gets at least {@linkcode MIN_JOB_MEMORY_BYTES} of the budget and
 * {@linkcode MIN_JOB_BRONZE_BYTES} of the files, and at least 1.
 *
 * @param memoryBytes The run's memory budget in bytes.
 * @param pendingBytes Total size of the files to ingest in bytes. @default {Infinity}
 * @param cores Cores available. @default {navigator.hardwareConcurrency}
 * @returns The number of jobs.
 * @example
 * ```ts
 * import { defaultIngestJobs } from "./ingest_jobs.ts";
 * const MiB = 2 ** 20;
 * if (defaultIngestJobs(1024 * MiB, Infinity, 8) !== 4) throw new Error("budget bound");
 * if (defaultIngestJobs(1024 * MiB, Infinity, 2) !== 2) throw new Error("core bound");
 * if (defaultIngestJobs(1024 * MiB, 100 * MiB, 8) !== 3) throw new Error("bronze bound");
 * if (defaultIngestJobs(1024 * MiB, 1 * MiB, 8) !== 1) throw new Error("small run");
 * if (defaultIngestJobs(100 * MiB, Infinity, 8) !== 1) throw new Error("at least one");
 * ```
 */
export function defaultIngestJobs(
  memoryBytes: number,
  pendingBytes: number = Infinity,
  cores: number = navigator.hardwareConcurrency ?? 1,
): number {
  const byBudget = Math.floor(memoryBytes / MIN_JOB_MEMORY_BYTES);
  const byBronze = Math.floor(pendingBytes / MIN_JOB_BRONZE_BYTES);
  return Math.max(1, Math.min(Math.floor(cores) || 1, byBudget, byBronze));
}
