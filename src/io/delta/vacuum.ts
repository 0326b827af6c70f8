/**
 * `vacuum`: delete data files a Delta table no longer references.
 *
 * A file under the table root is deleted only when all of these hold:
 * - it is not a live file of the current snapshot;
 * - no path segment starts with `_` or `.` (except partition folders `name=value`, and
 *   `.<name>.tmp` temp files that a killed writer left behind, in `_delta_log/` too), so
 *   logs, `_change_data` and checksums are kept;
 * - if it is a tombstone (removed by a commit), its `deletionTimestamp` is older than the
 *   retention; and its modification time is older than the retention too. The second rule
 *   keeps files a running writer has written but not committed yet (their commit may still land).
 *
 * On a storage with unfinished uploads (S3 multipart uploads of a writer killed mid-file, see
 * `ObjectStorage.listUnfinishedUploads`), an upload under the table root whose key would be
 * such a data file and that was begun before the retention is aborted too: it was never an
 * object, so no commit references it, and a running writer's upload is younger than the
 * retention.
 *
 * The default retention is 168 hours (7 days); with `enforceRetention` (default) a shorter
 * retention than the table's `delta.deletedFileRetentionDuration` (default 7 days) is refused,
 * because readers of older versions and running writers may still need the files.
 * `dryRun` (default true) only lists what would be deleted.
 *
 * @module
 */
import { TableNotFoundError } from "./errors.ts";
import { parseInterval } from "./snapshot.ts";
import { tryLoadSnapshot } from "./write_delta.ts";
import { storageForUri, type StorageLocationOptions } from "./storage_for_uri.ts";

/** Options of {@linkcode vacuum}. */
export interface VacuumOptions extends StorageLocationOptions {
  /**
   * Keep unreferenced files younger than this many hours.
   *
   * @default {168}
   */
  retentionHours?: number;
  /**
   * Only list the files that would be deleted.
   *
   * @default {true}
   */
  dryRun?: boolean;
  /**
   * Refuse a retention shorter than `delta.deletedFileRetentionDuration`.
   *
   * @default {true}
   */
  enforceRetention?: boolean;
  /**
   * "Now" in milliseconds (tests).
   *
   * @default {Date.now()}
   */
  now?: number;
}

/** What {@linkcode vacuum} did. */
export interface VacuumResult {
  /** Keys (relative to the table root) deleted, or deletable in a dry run; sorted. */
  files: string[];
  /**
   * Keys of the unfinished uploads aborted (or abortable in a dry run), sorted; empty on a
   * storage without them.
   */
  uploads: string[];
  /** Whether this was a dry run. */
  dryRun: boolean;
  /** The snapshot version the live set was taken from. */
  version: number;
}

const _DEFAULT_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * Delete unreferenced data files older than the retention.
 *
 * @param uri Table location.
 * @param options See {@linkcode VacuumOptions}.
 * @returns See {@linkcode VacuumResult}.
 * @throws {TableNotFoundError} When there is no table.
 * @throws {RangeError} When the retention is shorter than the table's and `enforceRetention` is on.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { writeDelta } from "./write_delta.ts";
 * import { vacuum } from "./vacuum.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const storage = new MemoryStorage();
 * await writeDelta("mem://t", pl.DataFrame({ x: [1] }), { storage });
 * await writeDelta("mem://t", pl.DataFrame({ x: [2] }), { storage, mode: "overwrite" });
 * const later = Date.now() + 8 * 24 * 3600 * 1000;
 * const r = await vacuum("mem://t", { storage, now: later, dryRun: false });
 * if (r.files.length !== 1) throw new Error("the overwritten file must go");
 * ```
 */
export async function vacuum(uri: string, options: VacuumOptions = {}): Promise<VacuumResult> {
  const storage = storageForUri(uri, options);
  const snapshot = await tryLoadSnapshot(storage);
  if (!snapshot) {
    throw new TableNotFoundError(`Cannot vacuum "${storage.root}": no Delta table there`);
  }
  const retentionHours = options.retentionHours ?? 168;
  if (!(retentionHours >= 0)) {
    throw new RangeError(`Invalid retentionHours ${retentionHours}: must be >= 0`);
  }
  const retentionMs = retentionHours * 3600 * 1000;
  const tableRetention =
    parseInterval(snapshot.metadata.configuration["delta.deletedFileRetentionDuration"]) ??
      _DEFAULT_RETENTION_MS;
  if ((options.enforceRetention ?? true) && retentionMs < tableRetention) {
    throw new RangeError(
      `Cannot vacuum "${storage.root}" with retentionHours ${retentionHours}: shorter than the table's retention of ${
        tableRetention / 3_600_000
      } hours (readers and running writers may still need the files); pass enforceRetention: false to override`,
    );
  }
  const cutoff = (options.now ?? Date.now()) - retentionMs;
  const live = new Set(snapshot.files.map((f) => f.path));
  const tombstoneTime = new Map<string, number>();
  for (const r of snapshot.tombstones) tombstoneTime.set(r.path, r.deletionTimestamp ?? 0);
  const doomed: string[] = [];
  for (const obj of await storage.list("")) {
    if (!_isDataCandidate(obj.path) || live.has(obj.path)) continue;
    if (obj.lastModified >= cutoff) continue;
    const removedAt = tombstoneTime.get(obj.path);
    if (removedAt !== undefined && removedAt >= cutoff) continue;
    doomed.push(obj.path);
  }
  doomed.sort();
  const unfinished = (await storage.listUnfinishedUploads?.("") ?? []).filter((u) =>
    _isDataCandidate(u.path) && u.started < cutoff
  );
  const dryRun = options.dryRun ?? true;
  if (!dryRun) {
    for (const p of doomed) await storage.delete(p);
    for (const u of unfinished) await storage.abortUnfinishedUpload!(u);
  }
  const uploads = unfinished.map((u) => u.path);
  return { files: doomed, uploads, dryRun, version: snapshot.version };
}

function _isDataCandidate(path: string): boolean {
  const segments = path.split("/");
  // Temp files of writes killed before their atomic rename/link (storage adapters name them
  // `.<random>.tmp`) are orphans like any other, in `_delta_log/` too (a killed commit or
  // checkpoint): no reader ever looks at them.
  const name = segments[segments.length - 1];
  const temp = name.startsWith(".") && name.endsWith(".tmp");
  if (segments[0] === "_delta_log") return temp;
  return segments.every((s, i) => {
    const last = i === segments.length - 1;
    if (s.startsWith(".")) return last && temp;
    if (s.startsWith("_")) return !last && s.includes("=");
    return true;
  });
}
