/**
 * Expired log cleanup: deleting `_delta_log` files older than `delta.logRetentionDuration`
 * (default 30 days), but only below a checkpoint, so every retained version can still be
 * reconstructed (from that checkpoint plus the commits after it).
 *
 * Rule (as Delta Spark): take the longest prefix of commits whose files are all older than the
 * cutoff; find the newest checkpoint at or below the first retained version; delete every log
 * file (commit, checksum, checkpoint, compacted log) of a lower version. Nothing is deleted when
 * no such checkpoint exists.
 *
 * @module
 */
import type { ObjectStorage } from "./storage.ts";
import { parseInterval } from "./snapshot.ts";

/** Options of {@linkcode cleanupExpiredLogs}. */
export interface LogCleanupOptions {
  /**
   * Table configuration (`delta.logRetentionDuration`, `delta.enableExpiredLogCleanup`).
   *
   * @default {{}}
   */
  configuration?: Record<string, string>;
  /**
   * "Now" in milliseconds.
   *
   * @default {Date.now()}
   */
  now?: number;
  /**
   * Only report what would be deleted.
   *
   * @default {false}
   */
  dryRun?: boolean;
}

/** The default `delta.logRetentionDuration`: 30 days in milliseconds. */
export const DEFAULT_LOG_RETENTION_MS = 30 * 24 * 3600 * 1000;

const _LOG_FILE =
  /^_delta_log\/(\d{20})\.(json|crc|checkpoint\.parquet|checkpoint\.\d+\.\d+\.parquet|checkpoint\.[^/]+\.(json|parquet)|\d{20}\.compacted\.json)$/;

/**
 * Delete expired log files below the newest usable checkpoint.
 *
 * @param storage Storage rooted at the table root.
 * @param options Configuration, clock and dry-run flag.
 * @returns The deleted (or, with `dryRun`, deletable) keys, sorted.
 * @example
 * ```ts
 * import { cleanupExpiredLogs } from "./log_cleanup.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const s = new MemoryStorage();
 * const put = (k: string) => s.put(k, new Uint8Array([1]));
 * await put("_delta_log/00000000000000000000.json");
 * await put("_delta_log/00000000000000000001.json");
 * await put("_delta_log/00000000000000000001.checkpoint.parquet");
 * const later = Date.now() + 31 * 24 * 3600 * 1000;
 * const gone = await cleanupExpiredLogs(s, { now: later });
 * if (gone.length !== 1 || !gone[0].endsWith("00000000000000000000.json")) throw new Error(String(gone));
 * ```
 */
export async function cleanupExpiredLogs(
  storage: ObjectStorage,
  options: LogCleanupOptions = {},
): Promise<string[]> {
  const config = options.configuration ?? {};
  if ((config["delta.enableExpiredLogCleanup"] ?? "true").toLowerCase() === "false") return [];
  const retention = parseInterval(config["delta.logRetentionDuration"]) ?? DEFAULT_LOG_RETENTION_MS;
  const cutoff = (options.now ?? Date.now()) - retention;
  const listing = await storage.list("_delta_log/");
  const files = listing
    .map((m) => ({ m, match: _LOG_FILE.exec(m.path) }))
    .filter((x) => x.match !== null)
    .map((x) => ({
      path: x.m.path,
      version: Number(x.match![1]),
      kind: x.match![2],
      mtime: x.m.lastModified,
    }));
  const commits = files.filter((f) => f.kind === "json").sort((a, b) => a.version - b.version);
  let firstRetained = commits.length > 0 ? commits[commits.length - 1].version : 0;
  for (const c of commits) {
    if (c.mtime >= cutoff) {
      firstRetained = c.version;
      break;
    }
  }
  const checkpoints = files
    .filter((f) => f.kind.startsWith("checkpoint") && f.version <= firstRetained)
    .map((f) => f.version);
  if (checkpoints.length === 0) return [];
  const boundary = Math.max(...checkpoints);
  const doomed = files.filter((f) => f.version < boundary).map((f) => f.path).sort();
  if (!options.dryRun) {
    for (const p of doomed) await storage.delete(p);
  }
  return doomed;
}
