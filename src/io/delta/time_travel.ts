/**
 * Time travel by timestamp: which version was current at a point in time.
 *
 * A commit's timestamp is its in-commit timestamp (`commitInfo.inCommitTimestamp`, written
 * first in every commit when the `inCommitTimestamp` feature is on) when present, else the
 * modification time of its commit file. The version at time `t` is the newest version whose
 * commit timestamp is at or before `t`:
 *
 * - a `t` before the first commit's timestamp is a {@linkcode VersionNotFoundError};
 * - a `t` after the newest commit returns the newest version (the table did not change
 *   after it, so that snapshot was current at `t`).
 *
 * Timestamps are assumed non-decreasing with the version (in-commit timestamps are by
 * definition; file times are when writers' clocks agree), so a binary search over the
 * commits reads only O(log n) commit files, and none at all when the newest commit carries
 * no in-commit timestamp (then file times, known from the listing, are used throughout).
 *
 * @module
 */
import { type CommitInfo, parseActions } from "./actions.ts";
import { VersionNotFoundError } from "./errors.ts";
import type { LogFile } from "./log_segment.ts";
import type { ObjectStorage } from "./storage.ts";

/**
 * A timestamp argument as milliseconds since the Unix epoch.
 *
 * @param timestamp A `Date`, an ISO-8601 string, or milliseconds.
 * @returns Milliseconds since the Unix epoch.
 * @throws {TypeError} When the value is not a valid time.
 *
 * @example
 * ```ts
 * import { toMillis } from "./time_travel.ts";
 * if (toMillis("1970-01-01T00:00:01Z") !== 1000) throw new Error("bad");
 * ```
 */
export function toMillis(timestamp: Date | string | number): number {
  const ms = timestamp instanceof Date
    ? timestamp.getTime()
    : typeof timestamp === "number"
    ? timestamp
    : Date.parse(timestamp);
  if (!Number.isFinite(ms)) {
    throw new TypeError(`Invalid timestamp "${String(timestamp)}": not a date`);
  }
  return ms;
}

/**
 * The in-commit timestamp of a commit, if it has one.
 *
 * @param storage Storage rooted at the table.
 * @param commit The commit file.
 * @returns The in-commit timestamp in milliseconds, or `undefined`.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "./memory_storage.ts";
 * import { readInCommitTimestamp } from "./time_travel.ts";
 * const s = new MemoryStorage();
 * const path = "_delta_log/00000000000000000000.json";
 * await s.put(path, new TextEncoder().encode('{"commitInfo":{"inCommitTimestamp":1234}}'));
 * if (await readInCommitTimestamp(s, { kind: "commit", version: 0, path, size: 1, lastModified: 0 }) !== 1234) throw new Error("bad");
 * ```
 */
export async function readInCommitTimestamp(
  storage: ObjectStorage,
  commit: LogFile,
): Promise<number | undefined> {
  const text = new TextDecoder().decode(await storage.read(commit.path));
  for (const a of parseActions(text, commit.path)) {
    if ("commitInfo" in a) {
      const ict = (a.commitInfo as CommitInfo).inCommitTimestamp;
      return typeof ict === "number" ? ict : undefined;
    }
  }
  return undefined;
}

/**
 * The version that was current at a timestamp.
 *
 * @param storage Storage rooted at the table.
 * @param commits Every commit file of the log, ascending by version (from the listing).
 * @param timestamp The point in time.
 * @param options `tableName` for messages (default: the storage root).
 * @returns The version.
 * @throws {VersionNotFoundError} When the timestamp is before the first commit, or the log
 *   holds no commits.
 * @throws {TypeError} When the timestamp is invalid.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "./memory_storage.ts";
 * import { versionAtTimestamp } from "./time_travel.ts";
 * const commits = [0, 1, 2].map((v) => ({ kind: "commit" as const, version: v, path: `_delta_log/${String(v).padStart(20, "0")}.json`, size: 1, lastModified: 1000 * (v + 1) }));
 * const s = new MemoryStorage();
 * for (const c of commits) await s.put(c.path, new TextEncoder().encode('{"commitInfo":{}}'));
 * if (await versionAtTimestamp(s, commits, 2500) !== 1) throw new Error("version 1 was current at 2.5 s");
 * if (await versionAtTimestamp(s, commits, 99_999) !== 2) throw new Error("after the last commit: the latest");
 * ```
 */
export async function versionAtTimestamp(
  storage: ObjectStorage,
  commits: LogFile[],
  timestamp: Date | string | number,
  options: { tableName?: string } = {},
): Promise<number> {
  const name = options.tableName ?? storage.root;
  const t = toMillis(timestamp);
  if (commits.length === 0) {
    throw new VersionNotFoundError(`Cannot time travel in "${name}": the log holds no commits`);
  }
  const last = commits[commits.length - 1];
  const ictCache = new Map<number, number | undefined>();
  const ict = async (i: number) => {
    if (!ictCache.has(i)) ictCache.set(i, await readInCommitTimestamp(storage, commits[i]));
    return ictCache.get(i);
  };
  const useIct = (await ict(commits.length - 1)) !== undefined;
  const ts = async (i: number): Promise<number> => {
    if (!useIct) return commits[i].lastModified;
    return (await ict(i)) ?? commits[i].lastModified;
  };
  const first = await ts(0);
  if (t < first) {
    throw new VersionNotFoundError(
      `Cannot time travel in "${name}" to ${new Date(t).toISOString()}: it is before the ` +
        `first commit (version ${commits[0].version} at ${new Date(first).toISOString()})`,
    );
  }
  if (t >= (await ts(commits.length - 1))) return last.version;
  // invariant: ts(lo) <= t < ts(hi)
  let lo = 0;
  let hi = commits.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if ((await ts(mid)) <= t) lo = mid;
    else hi = mid;
  }
  return commits[lo].version;
}
