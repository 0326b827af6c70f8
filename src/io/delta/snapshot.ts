/**
 * Snapshots: the state of a Delta table at one version, loaded from its log.
 *
 * `loadSnapshot` lists `_delta_log/` once, picks the log segment (newest complete checkpoint at
 * or before the version plus the commits after it), reads the checkpoint (and its sidecars)
 * and the commits in parallel, replays them in order, and checks the protocol.
 *
 * A checkpoint that cannot be read (empty, half-written, not Parquet, a sidecar missing) never
 * makes the table unreadable while another complete path exists: the snapshot is rebuilt from
 * the next older checkpoint, or from the JSON commits when they all still exist, with a
 * warning naming the bad file. Only when no such path exists is it a `CorruptLogError`. The
 * next commit then writes a fresh checkpoint (see `checkpointOverdue`).
 *
 * @module
 */
import type {
  AddAction,
  CommitInfo,
  DomainMetadataAction,
  MetadataAction,
  ProtocolAction,
  RemoveAction,
  TxnAction,
} from "./actions.ts";
import { parseActions } from "./actions.ts";
import { readCheckpointFile, sidecarKey } from "./checkpoint_reader.ts";
import {
  CorruptCheckpointError,
  CorruptLogError,
  TableNotFoundError,
  VersionNotFoundError,
} from "./errors.ts";
import { LogReplay } from "./log_replay.ts";
import {
  buildLogSegment,
  DELTA_LOG_DIR,
  listLogSegment,
  type LogSegment,
  readLastCheckpoint,
} from "./log_segment.ts";
import { checkReaderProtocol } from "./protocol_check.ts";
import { parseSchemaString, type StructType } from "./schema.ts";
import type { ObjectStorage } from "./storage.ts";
import { toMillis, versionAtTimestamp } from "./time_travel.ts";

/** The state of a table at one version. */
export interface Snapshot {
  /** The version. */
  version: number;
  /** The protocol in force. */
  protocol: ProtocolAction;
  /** The metadata in force. */
  metadata: MetadataAction;
  /** The parsed logical schema. */
  schema: StructType;
  /** Partition columns, in order. */
  partitionColumns: string[];
  /** Live files (paths canonical: decoded, relative to the table root). */
  files: AddAction[];
  /** Removed files whose retention has not expired (`delta.deletedFileRetentionDuration`). */
  tombstones: RemoveAction[];
  /** Latest txn per app id. */
  txns: Map<string, TxnAction>;
  /** Live domain metadata per domain. */
  domainMetadata: Map<string, DomainMetadataAction>;
  /**
   * Commit time of this version in milliseconds: the in-commit timestamp when present, else
   * the commit file's modification time (the checkpoint's when the commit file is gone).
   */
  timestamp: number;
  /** The log files this snapshot was built from. */
  segment: LogSegment;
  /** The `commitInfo` of this version's commit, when it was replayed. */
  commitInfo?: CommitInfo;
}

/** Options of {@linkcode loadSnapshot}. */
export interface LoadSnapshotOptions {
  /**
   * Version to load; the newest when neither this nor `timestamp` is given.
   *
   * @default {undefined}
   */
  version?: number;
  /**
   * Load the version current at this time (see `time_travel.ts`); exclusive with `version`.
   *
   * @default {undefined}
   */
  timestamp?: Date | string | number;
  /**
   * Absolute path or URI of the table root, to make absolute file paths relative.
   *
   * @default {storage.root}
   */
  tableRoot?: string;
  /**
   * "Now" for tombstone expiry, in milliseconds.
   *
   * @default {Date.now()}
   */
  now?: number;
  /**
   * Called with a one-line message when the snapshot had to avoid an unreadable checkpoint
   * (read from an older checkpoint or the JSON commits instead).
   *
   * @default {console.warn}
   */
  onWarning?: (message: string) => void;
}

const _WEEK_MS = 7 * 24 * 3600 * 1000;
const _UNIT_MS: Record<string, number> = {
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: _WEEK_MS,
};

/**
 * Parse a Delta interval property such as `interval 7 days`.
 *
 * @param value The property value.
 * @returns Milliseconds, or `undefined` when absent or unparseable.
 *
 * @example
 * ```ts
 * import { parseInterval } from "./snapshot.ts";
 * if (parseInterval("interval 2 hours") !== 7_200_000) throw new Error("bad");
 * ```
 */
export function parseInterval(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^\s*(?:interval\s+)?(\d+)\s+([a-z]+?)s?\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = _UNIT_MS[m[2].toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}

/** Read many files with bounded concurrency, keeping order. */
async function _readAll(
  storage: ObjectStorage,
  paths: string[],
  concurrency = 64,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      out[i] = await storage.read(paths[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  return out;
}

/**
 * Load the snapshot of a table at a version or timestamp.
 *
 * @param storage Storage rooted at the table.
 * @param options Version or timestamp, table root, clock.
 * @returns The snapshot.
 * @throws {TableNotFoundError} When there is no `_delta_log` or it holds no commit.
 * @throws {VersionNotFoundError} For a version outside the log, or a timestamp before it.
 * @throws {CorruptLogError} For a version gap, an empty or corrupt commit, a missing protocol
 *   or metadata, or an unreadable checkpoint that no older checkpoint or run of commits can
 *   replace.
 * @throws {UnsupportedFeatureError} When the protocol needs an unsupported reader feature.
 *
 * @example
 * ```ts
 * import { loadSnapshot } from "./snapshot.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const s = new MemoryStorage();
 * const lines = [
 *   { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
 *   { metaData: { id: "t", format: { provider: "parquet", options: {} }, partitionColumns: [], configuration: {},
 *     schemaString: '{"type":"struct","fields":[{"name":"x","type":"long","nullable":true,"metadata":{}}]}' } },
 *   { add: { path: "a.parquet", partitionValues: {}, size: 10, modificationTime: 0, dataChange: true } },
 * ];
 * await s.put("_delta_log/00000000000000000000.json", new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join("\n")));
 * const snap = await loadSnapshot(s);
 * if (snap.version !== 0 || snap.files.length !== 1 || snap.schema.fields[0].name !== "x") throw new Error("bad snapshot");
 * ```
 */
export async function loadSnapshot(
  storage: ObjectStorage,
  options: LoadSnapshotOptions = {},
): Promise<Snapshot> {
  const name = storage.root;
  if (options.version !== undefined && options.timestamp !== undefined) {
    throw new TypeError("Cannot load a snapshot: give either version or timestamp, not both");
  }
  let segment: LogSegment;
  if (options.timestamp === undefined) {
    // newest or a given version: listed from the last checkpoint on when it covers the version
    segment = await listLogSegment(storage, { version: options.version, tableName: name });
  } else {
    toMillis(options.timestamp);
    const listing = await storage.list(DELTA_LOG_DIR);
    if (listing.length === 0) {
      throw new TableNotFoundError(
        `No Delta table at "${name}": "_delta_log" is missing or empty`,
      );
    }
    const lastCheckpoint = listing.some((m) => m.path === `${DELTA_LOG_DIR}_last_checkpoint`)
      ? await readLastCheckpoint(storage)
      : undefined;
    const probe = buildLogSegment(listing, { tableName: name });
    const version = await versionAtTimestamp(storage, probe.allCommits, options.timestamp, {
      tableName: name,
    });
    segment = buildLogSegment(listing, { version, lastCheckpoint, tableName: name });
  }
  try {
    return await replaySegment(storage, segment, options);
  } catch (e) {
    if (!(e instanceof CorruptCheckpointError) || !segment.checkpoint) throw e;
    return await _avoidingBadCheckpoints(storage, segment, e, options);
  }
}

/**
 * The snapshot of `first.version` rebuilt without the checkpoint that failed (and any other
 * that fails after it), from the whole log's listing: an older checkpoint or the commits.
 */
async function _avoidingBadCheckpoints(
  storage: ObjectStorage,
  first: LogSegment,
  error: CorruptCheckpointError,
  options: LoadSnapshotOptions,
): Promise<Snapshot> {
  const name = storage.root;
  const version = first.version;
  let usable = await storage.list(DELTA_LOG_DIR);
  let hint = await readLastCheckpoint(storage);
  let segment = first;
  let e = error;
  for (;;) {
    const bad = segment.checkpoint!;
    const badFiles = new Set(bad.files.map((f) => f.path));
    usable = usable.filter((m) => !badFiles.has(m.path));
    if (hint?.version === bad.version) hint = undefined;
    try {
      segment = buildLogSegment(usable, { version, lastCheckpoint: hint, tableName: name });
    } catch (e2) {
      if (!(e2 instanceof VersionNotFoundError || e2 instanceof CorruptLogError)) throw e2;
      throw new CorruptLogError(
        `Cannot load version ${version} of "${name}": checkpoint "${e.path}" is unreadable (${
          e.message.replace(/^Cannot read checkpoint "[^"]*": /, "")
        }) and no older checkpoint or complete run of commits can replace it (${e2.message})`,
        { cause: e },
      );
    }
    (options.onWarning ?? console.warn)(
      `Warning: ${e.message}; reading version ${version} of "${name}" from ${
        segment.checkpoint
          ? `the older checkpoint at version ${segment.checkpoint.version}`
          : "the JSON commits"
      } instead`,
    );
    try {
      return await replaySegment(storage, segment, options);
    } catch (e3) {
      if (!(e3 instanceof CorruptCheckpointError) || !segment.checkpoint) throw e3;
      e = e3;
    }
  }
}

/** A {@linkcode CorruptCheckpointError} for a checkpoint file that failed to read or apply. */
function _corruptCheckpoint(version: number, path: string, e: unknown): CorruptCheckpointError {
  if (e instanceof CorruptCheckpointError) return e;
  const message = String((e as Error)?.message ?? e);
  const detail = message.replace(/^Cannot read checkpoint "[^"]*": /, "");
  return new CorruptCheckpointError(version, path, detail, { cause: e });
}

/**
 * Replay a log segment into a snapshot (the second half of {@linkcode loadSnapshot}).
 *
 * @param storage Storage rooted at the table.
 * @param segment The segment to replay.
 * @param options Table root and clock.
 * @returns The snapshot.
 * @throws {CorruptCheckpointError} When the segment's checkpoint (or a sidecar) cannot be read.
 * @throws {CorruptLogError} See {@linkcode loadSnapshot}.
 * @throws {UnsupportedFeatureError} See {@linkcode loadSnapshot}.
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
 * import { replaySegment } from "./snapshot.ts";
 * const snap = await replaySegment(s, await listLogSegment(s, { version: 0 }));
 * if (snap.version !== 0 || snap.files.length !== 0) throw new Error("version 0 has no files");
 * ```
 */
export async function replaySegment(
  storage: ObjectStorage,
  segment: LogSegment,
  options: Pick<LoadSnapshotOptions, "tableRoot" | "now"> = {},
): Promise<Snapshot> {
  const name = storage.root;
  const replay = new LogReplay({ tableRoot: options.tableRoot ?? storage.root });
  const commitBytesP = _readAll(storage, segment.commits.map((c) => c.path));
  if (segment.checkpoint) {
    const cp = segment.checkpoint;
    // any failure to read or apply a checkpoint file (or a sidecar) names that file
    const read = (path: string, format: "parquet" | "json") =>
      readCheckpointFile(storage, path, format).catch((e) => {
        throw _corruptCheckpoint(cp.version, path, e);
      });
    const parts = await Promise.all(cp.files.map((f) => read(f.path, f.format ?? "parquet")));
    try {
      replay.applyCheckpoint(parts.flat());
    } catch (e) {
      throw _corruptCheckpoint(cp.version, cp.files[0].path, e);
    }
    const sidecars = replay.state.sidecars.splice(0);
    const sideActions = await Promise.all(sidecars.map((sc) => {
      const key = sidecarKey(sc.path);
      return read(key, key.endsWith(".json") ? "json" : "parquet");
    }));
    try {
      for (const acts of sideActions) replay.applyCheckpoint(acts);
    } catch (e) {
      throw _corruptCheckpoint(cp.version, cp.files[0].path, e);
    }
  }
  const commitBytes = await commitBytesP;
  const dec = new TextDecoder();
  let commitInfo: CommitInfo | undefined;
  for (let i = 0; i < commitBytes.length; i++) {
    const file = segment.commits[i];
    replay.state.lastCommitInfo = undefined;
    replay.applyCommit(parseActions(dec.decode(commitBytes[i]), file.path));
    if (i === commitBytes.length - 1) commitInfo = replay.state.lastCommitInfo;
  }
  const st = replay.state;
  if (!st.protocol) {
    throw new CorruptLogError(
      `Cannot load version ${segment.version} of "${name}": the log has no protocol action`,
    );
  }
  if (!st.metadata) {
    throw new CorruptLogError(
      `Cannot load version ${segment.version} of "${name}": the log has no metaData action`,
    );
  }
  checkReaderProtocol(st.protocol, name);
  const schema = parseSchemaString(st.metadata.schemaString);
  const lastCommit = segment.commits[segment.commits.length - 1];
  let timestamp = lastCommit?.lastModified ?? segment.checkpoint?.files[0].lastModified ?? 0;
  if (typeof commitInfo?.inCommitTimestamp === "number") timestamp = commitInfo.inCommitTimestamp;
  const retention =
    parseInterval(st.metadata.configuration?.["delta.deletedFileRetentionDuration"]) ??
      _WEEK_MS;
  const horizon = (options.now ?? Date.now()) - retention;
  const tombstones: RemoveAction[] = [];
  for (const rm of st.tombstones.values()) {
    if ((rm.deletionTimestamp ?? 0) > horizon) tombstones.push(rm);
  }
  return {
    version: segment.version,
    protocol: st.protocol,
    metadata: st.metadata,
    schema,
    partitionColumns: st.metadata.partitionColumns ?? [],
    files: [...st.files.values()],
    tombstones,
    txns: st.txns,
    domainMetadata: st.domainMetadata,
    timestamp,
    segment,
    commitInfo,
  };
}
