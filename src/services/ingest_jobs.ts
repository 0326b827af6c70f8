/**
 * How many files an ingestion run ingests at once when the user does not say.
 *
 * The rule: one job per core (`navigator.hardwareConcurrency`), but never so many that a job's
 * share of the memory budget (`memoryBytes / jobs`) falls below
 * {@linkcode MIN_JOB_MEMORY_BYTES}, and at least one. The run itself never starts more jobs than
 * it has pending files. At 256 MiB a job still reads a file of up to 16 MiB of CSV whole and
 * streams larger ones in 16 MiB parts (see `EventTableServiceOptions.memoryBytes`); below it,
 * parts get so small that per-part overhead dominates, and each Deno Worker also carries its
 * own runtime (about 60 MiB of RSS once loaded).
 *
 * @module
 */

/** The smallest share of the memory budget a default job gets: 256 MiB. */
export const MIN_JOB_MEMORY_BYTES = 256 * 2 ** 20;

/**
 * The default number of jobs for a memory budget: the cores, bounded so each job gets at least
 * {@linkcode MIN_JOB_MEMORY_BYTES}, and at least 1.
 *
 * @param memoryBytes The run's memory budget in bytes.
 * @param cores Cores available. @default {navigator.hardwareConcurrency}
 * @returns The number of jobs.
 * @example
 * ```ts
 * import { defaultIngestJobs } from "./ingest_jobs.ts";
 * if (defaultIngestJobs(1024 * 2 ** 20, 8) !== 4) throw new Error("budget bound");
 * if (defaultIngestJobs(1024 * 2 ** 20, 2) !== 2) throw new Error("core bound");
 * if (defaultIngestJobs(100 * 2 ** 20, 8) !== 1) throw new Error("at least one");
 * ```
 */
export function defaultIngestJobs(
  memoryBytes: number,
  cores: number = navigator.hardwareConcurrency ?? 1,
): number {
  const byBudget = Math.floor(memoryBytes / MIN_JOB_MEMORY_BYTES);
  return Math.max(1, Math.min(Math.floor(cores) || 1, byBudget));
}
