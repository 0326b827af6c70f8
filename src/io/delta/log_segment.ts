/**
 * The log segment: which `_delta_log` files make up the snapshot at a version. Parses log
 * file names, picks the newest complete checkpoint at or before the version, and lists the
 * JSON commits after it, checking that they are contiguous.
 *
 * {@linkcode parseLogFileName} and {@linkcode buildLogSegment} do no IO;
 * {@linkcode listLogSegment} lists `_delta_log/` once and reads `_last_checkpoint`.
 *
 * @module
 */
import { CorruptLogError, TableNotFoundError, VersionNotFoundError } from "./errors.ts";
import type { ObjectMeta, ObjectStorage } from "./storage.ts";

/** The folder of the log, relative to the table root, with its trailing slash. */
export const DELTA_LOG_DIR = "_delta_log/";

/** What kind of log file a name denotes. */
export type LogFileKind =
  | "commit"
  | "checkpoint" // classic single-file `N.checkpoint.parquet`
  | "multipart" // `N.checkpoint.P.T.parquet`
  | "uuidCheckpoint" // V2 `N.checkpoint.<uuid>.json|parquet`
  | "crc" // `N.crc` version checksum
  | "compaction" // `A.B.compacted.json` log compaction (optional, ignored)
  | "lastCheckpoint"; // `_last_checkpoint`

/** One parsed log file name. */
export interface LogFile {
  /** What the file is. */
  kind: LogFileKind;
  /** The version it belongs to (`-1` for `_last_checkpoint`). */
  version: number;
  /** Key relative to the table root, e.g. `_delta_log/00000000000000000003.json`. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** Modification time in milliseconds. */
  lastModified: number;
  /** Multi-part checkpoints: this part's number, from 1. */
  part?: number;
  /** Multi-part checkpoints: the number of parts. */
  numParts?: number;
  /** UUID checkpoints: `json` or `parquet`; classic and multi-part ones are `parquet`. */
  format?: "json" | "parquet";
  /** Log compaction: the last version covered. */
  endVersion?: number;
}

/** The checkpoint a segment starts from. */
export interface CheckpointRef {
  /** Checkpoint version. */
  version: number;
  /** Its files: one, or every part of a multi-part checkpoint in part order. */
  files: LogFile[];
  /** Kind of the checkpoint. */
  kind: "checkpoint" | "multipart" | "uuidCheckpoint";
}

/** The files that make up one snapshot. */
export interface LogSegment {
  /** The snapshot version. */
  version: number;
  /** The checkpoint to start from, if any. */
  checkpoint?: CheckpointRef;
  /** JSON commits after the checkpoint, ascending, ending at `version`. */
  commits: LogFile[];
  /** Every commit file in the listing, ascending (time travel and history use it). */
  allCommits: LogFile[];
  /** The newest version in the log. */
  latestVersion: number;
  /** The earliest version that can be reconstructed (of the listed part of the log). */
  earliestVersion: number;
  /**
   * When the log was listed only from a checkpoint on (see {@linkcode listLogSegment}), that
   * checkpoint's version: `allCommits` and `earliestVersion` then cover only the listed part.
   * `undefined` for a listing of the whole log.
   */
  listedFrom?: number;
}

/** The content of `_last_checkpoint` (only the fields pointline uses). */
export interface LastCheckpointHint {
  /** Checkpoint version. */
  version: number;
  /** Number of parts for multi-part checkpoints. */
  parts?: number;
  /** V2 checkpoint file info. */
  v2Checkpoint?: { path: string };
}

const _COMMIT = /^(\d{20})\.json$/;
const _CLASSIC = /^(\d{20})\.checkpoint\.parquet$/;
const _MULTI = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const _UUID = /^(\d{20})\.checkpoint\.([0-9a-fA-F-]{36})\.(json|parquet)$/;
const _CRC = /^(\d{20})\.crc$/;
const _COMPACTION = /^(\d{20})\.(\d{20})\.compacted\.json$/;

/** A log file whose `size` and `lastModified` are read from `meta` only when used. */
class _LogFile {
  readonly #meta: ObjectMeta;
  kind: LogFileKind;
  version: number;
  path: string;
  constructor(kind: LogFileKind, version: number, meta: ObjectMeta) {
    this.kind = kind;
    this.version = version;
    this.path = meta.path;
    this.#meta = meta;
  }
  get size(): number {
    return this.#meta.size;
  }
  get lastModified(): number {
    return this.#meta.lastModified;
  }
}

function _logFile(
  kind: LogFileKind,
  version: number,
  meta: ObjectMeta,
  extra?: Partial<LogFile>,
): LogFile {
  const f = new _LogFile(kind, version, meta) as LogFile;
  if (extra) Object.assign(f, extra);
  return f;
}

/**
 * Parse the name of a file under `_delta_log/`. Hidden files (`.x`), temporary files, files
 * in sub-folders (`_sidecars/`, `.tmp/`, `_staged_commits/`) and unknown names give
 * `undefined`.
 *
 * @param meta The listed object (key relative to the table root).
 * @returns The parsed file, or `undefined` when the file is not a log file.
 *
 * @example
 * ```ts
 * import { parseLogFileName } from "./log_segment.ts";
 * const f = parseLogFileName({ path: "_delta_log/00000000000000000010.checkpoint.0000000002.0000000003.parquet", size: 1, lastModified: 0 });
 * if (f?.kind !== "multipart" || f.version !== 10 || f.part !== 2 || f.numParts !== 3) throw new Error("bad parse");
 * if (parseLogFileName({ path: "_delta_log/.00000000000000000000.json.crc", size: 1, lastModified: 0 }) !== undefined) throw new Error("hidden file parsed");
 * ```
 */
export function parseLogFileName(meta: ObjectMeta): LogFile | undefined {
  const i = meta.path.lastIndexOf("/");
  const dir = meta.path.slice(0, i + 1);
  const name = meta.path.slice(i + 1);
  if (dir !== DELTA_LOG_DIR) return undefined;
  let m = _COMMIT.exec(name);
  if (m) return _logFile("commit", Number(m[1]), meta);
  if (name === "_last_checkpoint") return _logFile("lastCheckpoint", -1, meta);
  if (name.startsWith(".")) return undefined;
  m = _CLASSIC.exec(name);
  if (m) return _logFile("checkpoint", Number(m[1]), meta, { format: "parquet" });
  m = _MULTI.exec(name);
  if (m) {
    return _logFile("multipart", Number(m[1]), meta, {
      part: Number(m[2]),
      numParts: Number(m[3]),
      format: "parquet",
    });
  }
  m = _UUID.exec(name);
  if (m) {
    return _logFile("uuidCheckpoint", Number(m[1]), meta, {
      format: m[3] as "json" | "parquet",
    });
  }
  m = _CRC.exec(name);
  if (m) return _logFile("crc", Number(m[1]), meta);
  m = _COMPACTION.exec(name);
  if (m) return _logFile("compaction", Number(m[1]), meta, { endVersion: Number(m[2]) });
  return undefined;
}

/** Options of {@linkcode buildLogSegment}. */
export interface BuildLogSegmentOptions {
  /**
   * The version to build; the newest one when absent.
   *
   * @default {undefined}
   */
  version?: number;
  /**
   * `_last_checkpoint`, a hint only: it is used when it names a complete checkpoint of the
   * listing at or before the version (for example to choose among several), else ignored.
   *
   * @default {undefined}
   */
  lastCheckpoint?: LastCheckpointHint;
  /**
   * Table location, for messages.
   *
   * @default {"table"}
   */
  tableName?: string;
}

/**
 * Choose the files of the snapshot at a version from a listing of `_delta_log/`.
 *
 * Rules: the newest complete checkpoint at or before the version is used (a multi-part
 * checkpoint is complete when all its parts are listed; single-file checkpoints are
 * preferred over multi-part ones of the same version); the commits after it up to the
 * version must all be present and contiguous. Without a checkpoint, commits must start at 0.
 *
 * @param listing Objects under `_delta_log/` (any order; other files are ignored).
 * @param options Version, hint and name for messages.
 * @returns The segment.
 * @throws {TableNotFoundError} When the listing holds no commit and no checkpoint.
 * @throws {VersionNotFoundError} When the version is negative, newer than the log, or older
 *   than the earliest reconstructable version.
 * @throws {CorruptLogError} When commits have a gap.
 *
 * @example
 * ```ts
 * import { buildLogSegment } from "./log_segment.ts";
 * const f = (name: string) => ({ path: `_delta_log/${name}`, size: 1, lastModified: 0 });
 * const seg = buildLogSegment([
 *   f("00000000000000000000.json"), f("00000000000000000001.json"),
 *   f("00000000000000000001.checkpoint.parquet"), f("00000000000000000002.json"),
 * ]);
 * if (seg.version !== 2 || seg.checkpoint?.version !== 1 || seg.commits.length !== 1) throw new Error("bad segment");
 * ```
 */
export function buildLogSegment(
  listing: ObjectMeta[],
  options: BuildLogSegmentOptions = {},
): LogSegment {
  const name = options.tableName ?? "table";
  const commits: LogFile[] = [];
  const singles = new Map<number, LogFile[]>();
  const multis = new Map<string, LogFile[]>();
  for (const meta of listing) {
    const f = parseLogFileName(meta);
    if (!f) continue;
    if (f.kind === "commit") commits.push(f);
    else if (f.kind === "checkpoint" || f.kind === "uuidCheckpoint") {
      const list = singles.get(f.version) ?? [];
      list.push(f);
      singles.set(f.version, list);
    } else if (f.kind === "multipart") {
      const key = `${f.version}.${f.numParts}`;
      const list = multis.get(key) ?? [];
      list.push(f);
      multis.set(key, list);
    }
  }
  commits.sort((a, b) => a.version - b.version);
  // complete checkpoints per version
  const complete = new Map<number, CheckpointRef[]>();
  const addCp = (cp: CheckpointRef) => {
    const l = complete.get(cp.version) ?? [];
    l.push(cp);
    complete.set(cp.version, l);
  };
  for (const [v, files] of singles) {
    // classic before UUID-named (both are complete single files)
    files.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "checkpoint" ? -1 : 1));
    for (const f of files) addCp({ version: v, files: [f], kind: f.kind as "checkpoint" });
  }
  for (const parts of multis.values()) {
    const n = parts[0].numParts!;
    const seen = new Map<number, LogFile>();
    for (const p of parts) seen.set(p.part!, p);
    if (n < 1 || seen.size !== n) continue;
    let ok = true;
    for (let i = 1; i <= n; i++) if (!seen.has(i)) ok = false;
    if (!ok) continue;
    const files = [...seen.values()].sort((a, b) => a.part! - b.part!);
    addCp({ version: parts[0].version, files, kind: "multipart" });
  }
  if (commits.length === 0 && complete.size === 0) {
    throw new TableNotFoundError(`No Delta table at "${name}": "_delta_log" holds no commit`);
  }
  const maxCommit = commits.length ? commits[commits.length - 1].version : -1;
  const maxCp = complete.size ? Math.max(...complete.keys()) : -1;
  const latestVersion = Math.max(maxCommit, maxCp);
  const target = options.version ?? latestVersion;
  if (!Number.isInteger(target) || target < 0) {
    throw new VersionNotFoundError(`Cannot load version ${target} of "${name}": not a version`);
  }
  if (target > latestVersion) {
    throw new VersionNotFoundError(
      `Cannot load version ${target} of "${name}": the latest version is ${latestVersion}`,
    );
  }
  // earliest reconstructable version: 0 when commit 0 exists, else the oldest checkpoint
  const minCp = complete.size ? Math.min(...complete.keys()) : Infinity;
  const earliestVersion = commits.length && commits[0].version === 0 ? 0 : minCp;

  // pick checkpoint: the hint first, when it is complete and not newer than the target
  let checkpoint: CheckpointRef | undefined;
  const hint = options.lastCheckpoint;
  if (hint && hint.version <= target) {
    const cands = complete.get(hint.version);
    if (cands) {
      checkpoint = cands.find((c) =>
        hint.v2Checkpoint
          ? c.files[0].path.endsWith(`/${hint.v2Checkpoint.path}`)
          : hint.parts
          ? c.kind === "multipart" && c.files.length === hint.parts
          : true
      ) ?? cands[0];
    }
  }
  // a newer complete checkpoint than the hint wins (the hint may be stale)
  let best = -1;
  for (const v of complete.keys()) if (v <= target && v > best) best = v;
  if (best >= 0 && (!checkpoint || best > checkpoint.version)) {
    checkpoint = complete.get(best)![0];
  }
  const from = checkpoint ? checkpoint.version + 1 : 0;
  if (!checkpoint && (commits.length === 0 || commits[0].version !== 0)) {
    throw new VersionNotFoundError(
      `Cannot load version ${target} of "${name}": no checkpoint at or before it and ` +
        `commits start at version ${commits[0]?.version ?? "none"}`,
    );
  }
  const segCommits: LogFile[] = [];
  for (const c of commits) {
    if (c.version >= from && c.version <= target) segCommits.push(c);
  }
  let expect = from;
  for (const c of segCommits) {
    if (c.version !== expect) {
      throw new CorruptLogError(
        `Cannot load version ${target} of "${name}": commit ${expect} is missing ` +
          `(version gap before "${c.path}")`,
      );
    }
    expect++;
  }
  if (expect !== target + 1) {
    throw new CorruptLogError(
      `Cannot load version ${target} of "${name}": commit ${expect} is missing`,
    );
  }
  return {
    version: target,
    checkpoint,
    commits: segCommits,
    allCommits: commits,
    latestVersion,
    earliestVersion,
  };
}

/**
 * Read `_last_checkpoint`, list `_delta_log/` and build the segment.
 *
 * When `_last_checkpoint` names a checkpoint at or before the version, the log is listed only
 * from that checkpoint on (`list` with `startAfter`), so opening a table of 10,000 commits
 * costs one small listing, not the whole log; the segment's `listedFrom` says so. When that
 * listing does not hold a usable checkpoint (a stale or wrong hint), the whole log is listed,
 * as it is without a hint or for an older version.
 *
 * @param storage Storage rooted at the table.
 * @param options Version (newest when absent), a name for messages, and `fullListing` to
 *   list the whole log (history and time travel need every commit).
 * @returns The segment.
 * @throws {TableNotFoundError} When there is no `_delta_log` or it holds no commit.
 * @throws {VersionNotFoundError} See {@linkcode buildLogSegment}.
 * @throws {CorruptLogError} See {@linkcode buildLogSegment}.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "./memory_storage.ts";
 * const s = new MemoryStorage();
 * const commit = (v: number, lines: unknown[]) =>
 *   s.put(`_delta_log/${String(v).padStart(20, "0")}.json`, new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join("\n")));
 * await commit(0, [
 *   { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
 *   { metaData: { id: "t", format: { provider: "parquet", options: {} }, partitionColumns: [], configuration: {},
 *     schemaString: '{"type":"struct","fields":[{"name":"x","type":"long","nullable":true,"metadata":{}}]}' } },
 * ]);
 * await commit(1, [{ add: { path: "a.parquet", partitionValues: {}, size: 1, modificationTime: 0, dataChange: true } }]);
 * import { listLogSegment } from "./log_segment.ts";
 * const seg = await listLogSegment(s);
 * if (seg.version !== 1 || seg.commits.length !== 2 || seg.listedFrom !== undefined) throw new Error("bad segment");
 * ```
 */
export async function listLogSegment(
  storage: ObjectStorage,
  options: { version?: number; tableName?: string; fullListing?: boolean } = {},
): Promise<LogSegment> {
  const tableName = options.tableName ?? storage.root;
  const lastCheckpoint = await readLastCheckpoint(storage);
  const version = options.version;
  if (
    lastCheckpoint && !options.fullListing &&
    (version === undefined || version >= lastCheckpoint.version)
  ) {
    const from = lastCheckpoint.version;
    const listing = await storage.list(DELTA_LOG_DIR, {
      startAfter: `${DELTA_LOG_DIR}${String(from).padStart(20, "0")}`,
    });
    try {
      const seg = buildLogSegment(listing, { version, lastCheckpoint, tableName });
      if (seg.checkpoint !== undefined && seg.checkpoint.version >= from) {
        return { ...seg, listedFrom: from };
      }
    } catch {
      // the hinted checkpoint is missing or incomplete: list the whole log below
    }
  }
  const listing = await storage.list(DELTA_LOG_DIR);
  if (listing.length === 0) {
    throw new TableNotFoundError(
      `No Delta table at "${tableName}": "_delta_log" is missing or empty`,
    );
  }
  return buildLogSegment(listing, { version, lastCheckpoint, tableName });
}

/**
 * Read `_last_checkpoint`. A missing, unreadable or malformed file gives `undefined`: it is
 * only a hint.
 *
 * @param storage Storage rooted at the table.
 * @returns The hint, or `undefined`.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "./memory_storage.ts";
 * import { readLastCheckpoint } from "./log_segment.ts";
 * const s = new MemoryStorage();
 * await s.put("_delta_log/_last_checkpoint", new TextEncoder().encode('{"version":10,"size":3}'));
 * if ((await readLastCheckpoint(s))?.version !== 10) throw new Error("hint expected");
 * await s.put("_delta_log/_last_checkpoint", new TextEncoder().encode("garbage"), { overwrite: true });
 * if (await readLastCheckpoint(s) !== undefined) throw new Error("a bad hint is ignored");
 * ```
 */
export async function readLastCheckpoint(
  storage: ObjectStorage,
): Promise<LastCheckpointHint | undefined> {
  try {
    const text = new TextDecoder().decode(
      await storage.read(`${DELTA_LOG_DIR}_last_checkpoint`),
    );
    const obj = JSON.parse(text);
    if (typeof obj?.version !== "number" || !Number.isInteger(obj.version)) return undefined;
    return obj as LastCheckpointHint;
  } catch {
    return undefined;
  }
}
