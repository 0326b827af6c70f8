/**
 * Delta commits: serialization of `N.json`, the `commitInfo` action, and optimistic
 * concurrency.
 *
 * A commit is written with an exclusive put of `_delta_log/<version>.json`. Losing the race is
 * not an exception: {@linkcode tryCommit} returns a {@linkcode CommitOutcome} value. The retry
 * policy ({@linkcode commitWithRetry}) sits above it: it reads each winning commit, applies the
 * protocol's conflict rules ({@linkcode findConflict}) and either retries at the next version
 * (after a jittered backoff) or throws a {@linkcode CommitConflictError}.
 *
 * Conflict rules. The isolation level comes from the table property `delta.isolationLevel`
 * (`WriteSerializable`, the default, or `Serializable`; see {@linkcode resolveIsolationLevel}),
 * and a single write may override it. Under both levels:
 * - a concurrent `protocol` or `metaData` action conflicts with every transaction;
 * - a concurrent `txn` with an app id this transaction also writes conflicts;
 * - a concurrent `remove` of a file this transaction read or removes conflicts;
 * - a concurrent `add` (with `dataChange`) of a file matching what this transaction read
 *   conflicts, unless this transaction is a blind append (it read nothing);
 * - concurrent blind appends never conflict with each other.
 *
 * `Serializable` adds one rule: a concurrent `remove` with `dataChange: true` (an overwrite,
 * replaceWhere, delete or merge) in a partition this transaction adds data files to
 * conflicts, with the reason `concurrent overwrite or delete in partition ...`. An
 * unpartitioned table is one partition, and a `remove` without `partitionValues` counts as
 * every partition. So an append that loses the race to an overwrite is rejected, instead of
 * landing after it (and surviving the overwrite) as it does under `WriteSerializable`: a
 * write is never replayed on top of partitions that were replaced or deleted after the
 * version it started from, and the caller decides whether its rows still belong there.
 * Compaction (`dataChange: false`) never triggers the rule.
 * Otherwise (for example two blind appends) the commit is retried at the next version.
 *
 * The ambiguous commit: on object stores, an exclusive put whose response was lost is retried
 * and may then answer "already exists" for the writer's own commit. {@linkcode tryCommit}
 * reads the existing commit file and treats byte-identical content as its own success, so
 * such a commit is neither reported as a conflict nor written a second time.
 *
 * @module
 */
import denoJson from "../../../deno.json" with { type: "json" };
import type { Action, AddAction, CommitInfo } from "./actions.ts";
import { decodeDeltaPath, parseActions } from "./actions.ts";
import { CommitConflictError, UnsupportedFeatureError } from "./errors.ts";
import { FileAlreadyExistsError, FileNotFoundError, type ObjectStorage } from "./storage.ts";

/** The `engineInfo` written into every `commitInfo`: `pointline/<version>`. */
export const ENGINE_INFO = `pointline/${(denoJson as { version?: string }).version ?? "0.0.0"}`;

/** Outcome of one commit attempt: a value, never an exception. */
export type CommitOutcome =
  | { kind: "committed"; version: number }
  | {
    kind: "conflict";
    winningVersion: number;
    reason: string;
    /** The bytes of the winning commit when they were read to tell it from this one. */
    existing?: Uint8Array;
  };

/** Isolation levels of Delta writes (the values of `delta.isolationLevel`). */
export type IsolationLevel = "WriteSerializable" | "Serializable";

/** The table property that selects the isolation level. */
export const ISOLATION_LEVEL_PROPERTY = "delta.isolationLevel";

/**
 * The isolation level of a write: the override when given, else the table's
 * `delta.isolationLevel`, else `WriteSerializable`.
 *
 * @param configuration The table configuration (`metaData.configuration`).
 * @param override A per-write isolation level, which wins.
 * @returns The isolation level.
 * @throws {UnsupportedFeatureError} When the property or the override names another level.
 * @example
 * ```ts
 * import { resolveIsolationLevel } from "./commit.ts";
 * if (resolveIsolationLevel({}) !== "WriteSerializable") throw new Error("default");
 * const t = { "delta.isolationLevel": "Serializable" };
 * if (resolveIsolationLevel(t) !== "Serializable") throw new Error("property");
 * if (resolveIsolationLevel(t, "WriteSerializable") !== "WriteSerializable") throw new Error("override");
 * ```
 */
export function resolveIsolationLevel(
  configuration: Record<string, string> | undefined,
  override?: IsolationLevel,
): IsolationLevel {
  const level = override ?? configuration?.[ISOLATION_LEVEL_PROPERTY] ?? "WriteSerializable";
  if (level !== "WriteSerializable" && level !== "Serializable") {
    throw new UnsupportedFeatureError(
      `${ISOLATION_LEVEL_PROPERTY}=${level}`,
      `Cannot write with isolation level "${level}": supported levels are WriteSerializable and Serializable${
        override === undefined ? ` (table property ${ISOLATION_LEVEL_PROPERTY})` : ""
      }`,
    );
  }
  return level;
}

/** What a transaction read and wrote, as the conflict checker needs it. */
export interface ConflictContext {
  /** Decoded paths of the files the transaction read (its read set). */
  readFiles: ReadonlySet<string>;
  /** Decoded paths of the files the transaction removes. */
  removedFiles: ReadonlySet<string>;
  /**
   * Whether a concurrently added file could have been part of what this transaction read.
   * `undefined` for a blind append (read nothing; concurrent appends never conflict).
   */
  readMayMatch?: (add: AddAction) => boolean;
  /** App ids of the `txn` actions this transaction writes. */
  appIds: ReadonlySet<string>;
  /**
   * The isolation level of the transaction.
   *
   * @default {"WriteSerializable"}
   */
  isolationLevel?: IsolationLevel;
  /**
   * Partition values of the data files this transaction adds with `dataChange` (one entry per
   * partition; `{}` for an unpartitioned table). Used by the `Serializable` rule.
   *
   * @default {[]}
   */
  writtenPartitions?: readonly Record<string, string | null>[];
  /**
   * The identity of a partition, for comparing `partitionValues` written by different engines
   * (for example `2024-01-01 10:00:00` and `2024-01-01T10:00:00.000000Z`). Throwing means
   * "unknown", which the `Serializable` rule treats as a conflict.
   *
   * @default {the raw strings, in column-name order}
   */
  partitionKey?: (values: Record<string, string | null>) => string;
}

/** Options of {@linkcode commitWithRetry}. */
export interface CommitRetryOptions {
  /**
   * Maximum number of versions to try after the first attempt.
   *
   * @default {100}
   */
  maxRetries?: number;
  /**
   * Base backoff in milliseconds (doubled per attempt, capped, randomly jittered).
   *
   * @default {5}
   */
  backoffMs?: number;
  /**
   * Maximum backoff in milliseconds.
   *
   * @default {250}
   */
  maxBackoffMs?: number;
}

/** The parts of a `commitInfo` a writer supplies. */
export interface CommitInfoInput {
  /** Operation name, for example `WRITE`, `MERGE`, `DELETE`, `OPTIMIZE`. */
  operation: string;
  /** Operation parameters; non-string values are JSON-encoded as Spark does. */
  operationParameters?: Record<string, unknown>;
  /** The version the transaction read (-1 for a new table). */
  readVersion?: number;
  /** Whether the transaction only appends files without reading any. */
  isBlindAppend?: boolean;
  /** Operation metrics (counts); values are stringified. */
  operationMetrics?: Record<string, number | string>;
  /** Custom metadata merged into the top level of `commitInfo`. */
  commitMetadata?: Record<string, unknown>;
  /** The isolation level, recorded as `commitInfo.isolationLevel` (as Delta Spark does). */
  isolationLevel?: IsolationLevel;
  /** Commit timestamp, ms since the epoch. @default {Date.now()} */
  timestamp?: number;
}

/**
 * The zero-padded name of a commit file.
 *
 * @param version A table version.
 * @returns `_delta_log/00000000000000000007.json` for 7.
 * @throws {RangeError} For a negative or non-integer version.
 * @example
 * ```ts
 * import { commitPath } from "./commit.ts";
 * if (commitPath(7) !== "_delta_log/00000000000000000007.json") throw new Error("bad path");
 * ```
 */
export function commitPath(version: number): string {
  if (!Number.isInteger(version) || version < 0) {
    throw new RangeError(
      `Cannot name commit file: version ${version} is not a non-negative integer`,
    );
  }
  return `_delta_log/${String(version).padStart(20, "0")}.json`;
}

/**
 * Build the `commitInfo` action of a commit.
 *
 * @param input Operation, parameters, metrics and custom metadata.
 * @returns A `{ commitInfo }` action with `timestamp`, `operation`, `operationParameters`
 *   (string values), `engineInfo` ({@linkcode ENGINE_INFO}) and the custom metadata.
 * @example
 * ```ts
 * import { buildCommitInfo, ENGINE_INFO } from "./commit.ts";
 * const a = buildCommitInfo({ operation: "WRITE", operationParameters: { mode: "Append" } });
 * if (a.commitInfo.engineInfo !== ENGINE_INFO) throw new Error("no engine info");
 * ```
 */
export function buildCommitInfo(input: CommitInfoInput): { commitInfo: CommitInfo } {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.operationParameters ?? {})) {
    if (v === undefined) continue;
    params[k] = typeof v === "string" ? v : JSON.stringify(v, _jsonSafe);
  }
  const info: CommitInfo = {
    ...(input.commitMetadata ?? {}),
    timestamp: input.timestamp ?? Date.now(),
    operation: input.operation,
    operationParameters: params,
    engineInfo: ENGINE_INFO,
  };
  if (input.readVersion !== undefined && input.readVersion >= 0) {
    info.readVersion = input.readVersion;
  }
  if (input.isolationLevel !== undefined) info.isolationLevel = input.isolationLevel;
  if (input.isBlindAppend !== undefined) info.isBlindAppend = input.isBlindAppend;
  if (input.operationMetrics) {
    info.operationMetrics = Object.fromEntries(
      Object.entries(input.operationMetrics).map(([k, v]) => [k, String(v)]),
    );
  }
  return { commitInfo: info };
}

/** JSON replacer: bigints as decimal strings (filters may hold 64-bit values). */
function _jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * Serialize actions as a commit file: one JSON object per line, newline-terminated.
 *
 * @param actions The actions, `commitInfo` first by convention.
 * @returns The UTF-8 bytes of the commit file.
 * @throws {TypeError} When `actions` is empty.
 * @example
 * ```ts
 * import { serializeCommit } from "./commit.ts";
 * const text = new TextDecoder().decode(serializeCommit([{ txn: { appId: "a", version: 1 } }]));
 * if (text !== '{"txn":{"appId":"a","version":1}}\n') throw new Error(text);
 * ```
 */
export function serializeCommit(actions: Action[]): Uint8Array {
  if (actions.length === 0) throw new TypeError("Cannot serialize commit: no actions");
  return new TextEncoder().encode(
    actions.map((a) => JSON.stringify(a, _jsonSafe)).join("\n") + "\n",
  );
}

/**
 * Try to write `bytes` as commit `version` with an exclusive put.
 *
 * @param storage Storage rooted at the table root.
 * @param version The version to create.
 * @param bytes The serialized commit ({@linkcode serializeCommit}).
 * @returns `{kind: "committed"}`, also when the version already holds exactly these bytes (a
 *   retried put whose first response was lost), or `{kind: "conflict"}` when it holds another
 *   commit (reason `version already exists`, its bytes in `existing`; the caller decides
 *   whether it is a real conflict).
 * @throws Storage errors other than {@linkcode FileAlreadyExistsError}.
 * @example
 * ```ts
 * import { tryCommit, serializeCommit } from "./commit.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const s = new MemoryStorage();
 * const body = serializeCommit([{ txn: { appId: "a", version: 1 } }]);
 * const other = serializeCommit([{ txn: { appId: "b", version: 1 } }]);
 * if ((await tryCommit(s, 0, body)).kind !== "committed") throw new Error("first must win");
 * if ((await tryCommit(s, 0, other)).kind !== "conflict") throw new Error("second must lose");
 * // the same bytes again (a retried put whose response was lost) are this commit:
 * if ((await tryCommit(s, 0, body)).kind !== "committed") throw new Error("own commit");
 * ```
 */
export async function tryCommit(
  storage: ObjectStorage,
  version: number,
  bytes: Uint8Array,
): Promise<CommitOutcome> {
  try {
    await storage.put(commitPath(version), bytes, { overwrite: false });
    return { kind: "committed", version };
  } catch (e) {
    if (!(e instanceof FileAlreadyExistsError)) throw e;
  }
  // An exclusive put retried after its response was lost (a timeout, a dropped connection)
  // answers "exists" for the writer's own commit: byte-identical content is this commit.
  // (commitInfo carries a timestamp and adds carry unique file names, so another writer's
  // commit is practically never byte-identical; if it were, replaying the same actions twice
  // gives the same table, so taking it as this commit loses nothing.)
  let existing: Uint8Array | undefined;
  try {
    existing = await storage.read(commitPath(version));
  } catch (e) {
    if (!(e instanceof FileNotFoundError)) throw e;
  }
  if (existing !== undefined && _sameBytes(existing, bytes)) {
    return { kind: "committed", version };
  }
  return { kind: "conflict", winningVersion: version, reason: "version already exists", existing };
}

function _sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Decide whether a winning commit conflicts with a transaction.
 *
 * @param winner The actions of the winning commit.
 * @param context What the losing transaction read and wrote.
 * @returns The conflict reason, or `undefined` when the transaction may retry at the next version.
 * @example
 * ```ts
 * import { findConflict } from "./commit.ts";
 * const blind = { readFiles: new Set<string>(), removedFiles: new Set<string>(), appIds: new Set<string>() };
 * const winner = [{ add: { path: "a.parquet", partitionValues: {}, size: 1, modificationTime: 0, dataChange: true } }];
 * if (findConflict(winner, blind) !== undefined) throw new Error("blind appends never conflict");
 * // Under Serializable, an append loses to an overwrite of the partition it writes to:
 * const overwrite = [{ remove: { path: "p=a/f.parquet", partitionValues: { p: "a" }, dataChange: true } }];
 * const append = { ...blind, isolationLevel: "Serializable" as const, writtenPartitions: [{ p: "a" }] };
 * if (findConflict(overwrite, blind) !== undefined) throw new Error("WriteSerializable: retry");
 * if (!findConflict(overwrite, append)?.startsWith("concurrent overwrite or delete in partition p=a")) {
 *   throw new Error("Serializable: conflict");
 * }
 * ```
 */
export function findConflict(winner: Action[], context: ConflictContext): string | undefined {
  const serializable = context.isolationLevel === "Serializable" &&
    (context.writtenPartitions?.length ?? 0) > 0;
  const keyOf = context.partitionKey ?? _partitionKey;
  const written = serializable ? new Set(context.writtenPartitions!.map(keyOf)) : undefined;
  for (const action of winner) {
    if ("protocol" in action) return "concurrent protocol change";
    if ("metaData" in action) return "concurrent metadata change";
    if ("txn" in action && context.appIds.has(action.txn.appId)) {
      return `concurrent transaction with the same app id "${action.txn.appId}"`;
    }
    if ("remove" in action) {
      const p = decodeDeltaPath(action.remove.path);
      if (context.readFiles.has(p)) {
        return `concurrent removal of a file this transaction read: "${p}"`;
      }
      if (context.removedFiles.has(p)) {
        return `concurrent removal of a file this transaction removes: "${p}"`;
      }
      if (written && action.remove.dataChange !== false) {
        const pv = action.remove.partitionValues;
        if (pv === undefined || pv === null || _inPartitions(pv, written, keyOf)) {
          return `concurrent overwrite or delete in partition ${
            _describePartition(pv)
          } this transaction writes to (isolation level Serializable): removed "${p}"`;
        }
      }
    }
    if ("add" in action && action.add.dataChange !== false && context.readMayMatch) {
      if (context.readMayMatch(action.add)) {
        return `concurrent append of a file this transaction would have read: "${
          decodeDeltaPath(action.add.path)
        }"`;
      }
    }
  }
  return undefined;
}

/** A canonical key of partition values (order of the columns does not matter). */
function _partitionKey(values: Record<string, string | null>): string {
  return JSON.stringify(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Whether `values` names one of `keys`; values that cannot be keyed count as a match. */
function _inPartitions(
  values: Record<string, string | null>,
  keys: ReadonlySet<string>,
  keyOf: (values: Record<string, string | null>) => string,
): boolean {
  try {
    return keys.has(keyOf(values));
  } catch {
    return true;
  }
}

function _describePartition(values: Record<string, string | null> | null | undefined): string {
  if (values === undefined || values === null) {
    return "(unknown: the remove has no partitionValues)";
  }
  const entries = Object.entries(values);
  if (entries.length === 0) return "(the whole table: it is unpartitioned)";
  return entries.map(([k, v]) => `${k}=${v === null ? "null" : v}`).join("/");
}

/**
 * Commit actions at `readVersion + 1`, retrying at later versions while the winning commits
 * do not conflict.
 *
 * @param storage Storage rooted at the table root.
 * @param actions The actions to commit; a `commitInfo` action, if present, is kept first.
 * @param readVersion The version the transaction read (-1 for a table that does not exist yet).
 * @param context The read and write sets for conflict detection.
 * @param options Retry policy, see {@linkcode CommitRetryOptions}.
 * @returns The committed version.
 * @throws {CommitConflictError} On a conflicting winning commit, or when retries run out.
 * @example
 * ```ts
 * import { commitWithRetry } from "./commit.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const s = new MemoryStorage();
 * const ctx = { readFiles: new Set<string>(), removedFiles: new Set<string>(), appIds: new Set<string>() };
 * const add = (path: string) => ({ add: { path, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true } });
 * await commitWithRetry(s, [add("a.parquet")], -1, ctx); // creates version 0
 * await commitWithRetry(s, [add("b.parquet")], 0, ctx); // version 1
 * // A blind append that read version 0 loses the race for 1 and lands at 2:
 * if (await commitWithRetry(s, [add("c.parquet")], 0, ctx) !== 2) throw new Error("blind append must retry");
 * ```
 */
export async function commitWithRetry(
  storage: ObjectStorage,
  actions: Action[],
  readVersion: number,
  context: ConflictContext,
  options: CommitRetryOptions = {},
): Promise<number> {
  const maxRetries = options.maxRetries ?? 100;
  const base = options.backoffMs ?? 5;
  const cap = options.maxBackoffMs ?? 250;
  const bytes = serializeCommit(actions);
  let version = readVersion + 1;
  for (let attempt = 0; attempt <= maxRetries; attempt++) {
    const outcome = await tryCommit(storage, version, bytes);
    if (outcome.kind === "committed") return outcome.version;
    if (readVersion < 0) {
      throw new CommitConflictError(version, "the table was created concurrently");
    }
    // Lost the race for `version`: inspect every commit that won meanwhile, up to the newest,
    // so the next attempt targets the first free version (busy writers never outpace us).
    let known = outcome.existing;
    for (;;) {
      const winner = await _readWinner(storage, version, known);
      known = undefined;
      if (winner === undefined) break;
      const reason = findConflict(winner, context);
      if (reason !== undefined) throw new CommitConflictError(version, reason);
      version++;
    }
    const delay = Math.min(cap, base * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random() / 2);
    await new Promise((r) => setTimeout(r, delay));
  }
  throw new CommitConflictError(
    version - 1,
    `gave up after ${maxRetries + 1} attempts: too much concurrent writing`,
  );
}

/** The actions of commit `version`, or `undefined` when it does not exist yet. */
async function _readWinner(
  storage: ObjectStorage,
  version: number,
  known?: Uint8Array,
): Promise<Action[] | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = known ?? await storage.read(commitPath(version));
  } catch (e) {
    if (e instanceof FileNotFoundError) return undefined;
    throw e;
  }
  return parseActions(new TextDecoder().decode(bytes), commitPath(version));
}
