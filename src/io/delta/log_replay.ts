/**
 * Log replay: reconciles the actions of a checkpoint and the commits after it into the
 * state of one snapshot, per the protocol's "Action Reconciliation" rules:
 *
 * - the latest `protocol` and `metaData` win;
 * - `txn`: the latest version per `appId`;
 * - `domainMetadata`: the latest action per domain; `removed: true` deletes the domain;
 * - file actions are keyed by the canonical path plus the deletion-vector id; within one
 *   commit removes apply before adds (a commit may remove `(path, dv1)` and add
 *   `(path, dv2)`); a remove drops the live file and becomes a tombstone;
 * - paths are URI-decoded exactly once and made relative to the table root.
 *
 * Pure: no IO, plain maps keyed by path, no Polars.
 *
 * @module
 */
import {
  type Action,
  type AddAction,
  type CommitInfo,
  decodeDeltaPath,
  deletionVectorId,
  type DomainMetadataAction,
  type MetadataAction,
  type ProtocolAction,
  type RemoveAction,
  type SidecarAction,
  type TxnAction,
} from "./actions.ts";

/** The reconciled state of a log segment. */
export interface ReplayState {
  /** The latest protocol, if any was seen. */
  protocol?: ProtocolAction;
  /** The latest metadata, if any was seen. */
  metadata?: MetadataAction;
  /** Live files by key (`path` + NUL + DV id). */
  files: Map<string, AddAction>;
  /** Removed files by key. */
  tombstones: Map<string, RemoveAction>;
  /** Latest txn per app id. */
  txns: Map<string, TxnAction>;
  /** Live domain metadata per domain. */
  domainMetadata: Map<string, DomainMetadataAction>;
  /** The `commitInfo` of the newest commit replayed, if any. */
  lastCommitInfo?: CommitInfo;
  /** Sidecars named by a V2 checkpoint (to be read and fed back as checkpoint actions). */
  sidecars: SidecarAction[];
}

/**
 * Make a path from the log canonical: URI-decode it once, then strip the table root when the
 * path is an absolute URI or path inside it.
 *
 * @param raw The path as written in the log.
 * @param tableRoot Absolute local path or URI of the table root, without trailing slash;
 *   when absent, absolute paths are kept as they are.
 * @returns The canonical path.
 *
 * @example
 * ```ts
 * import { canonicalPath } from "./log_replay.ts";
 * if (canonicalPath("file:///t/a%20b.parquet", "/t") !== "a b.parquet" || canonicalPath("file:/x/y") !== "/x/y") throw new Error("bad");
 * if (canonicalPath("x%3D1/p.parquet") !== "x=1/p.parquet") throw new Error("bad");
 * ```
 */
export function canonicalPath(raw: string, tableRoot?: string): string {
  let p = decodeDeltaPath(raw);
  if (p.startsWith("file:")) {
    // file:/x, file:///x and file://host/x all name local path /x here
    p = p.replace(/^file:(\/\/[^/]*)?/, "");
  }
  if (tableRoot === undefined) return p;
  let root = tableRoot.replace(/\/+$/, "");
  if (root.startsWith("file:")) root = root.replace(/^file:(\/\/[^/]*)?/, "");
  if (p.startsWith(root + "/")) return p.slice(root.length + 1);
  return p;
}

/** The key of a logical file: canonical path and DV id.
 *
 * @example
 * ```ts
 * import { fileKey } from "./log_replay.ts";
 * if (fileKey("a.parquet", null) === fileKey("a.parquet", { storageType: "i", pathOrInlineDv: "x", sizeInBytes: 1, cardinality: 1 })) {
 *   throw new Error("a DV makes a different logical file");
 * }
 * ``` */
export function fileKey(path: string, dv: AddAction["deletionVector"]): string {
  return `${path}\u0000${deletionVectorId(dv)}`;
}

/** Options of {@linkcode LogReplay}. */
export interface LogReplayOptions {
  /**
   * Absolute path or URI of the table root, used to make absolute paths relative.
   *
   * @default {undefined}
   */
  tableRoot?: string;
}

/**
 * Accumulates the state of a snapshot: feed checkpoint actions first (any order), then each
 * commit in ascending version order.
 *
 * @example
 * ```ts
 * import { LogReplay } from "./log_replay.ts";
 * const r = new LogReplay();
 * r.applyCommit([{ add: { path: "a.parquet", partitionValues: {}, size: 1, modificationTime: 0, dataChange: true } }]);
 * r.applyCommit([{ remove: { path: "a.parquet", dataChange: true, deletionTimestamp: 5 } }]);
 * if (r.state.files.size !== 0 || r.state.tombstones.size !== 1) throw new Error("bad replay");
 * ```
 */
export class LogReplay {
  /** The state so far. */
  readonly state: ReplayState = {
    files: new Map(),
    tombstones: new Map(),
    txns: new Map(),
    domainMetadata: new Map(),
    sidecars: [],
  };
  readonly #root?: string;

  /** @param options Table root for path canonicalisation. */
  constructor(options: LogReplayOptions = {}) {
    this.#root = options.tableRoot;
  }

  /**
   * Apply actions of a checkpoint (or sidecar). A checkpoint holds no conflicting actions, so
   * adds are live files and removes are tombstones.
   *
   * @param actions The checkpoint's actions.
   */
  applyCheckpoint(actions: Iterable<Action>): void {
    const s = this.state;
    for (const a of actions) {
      if ("add" in a && a.add) {
        const add = this.#canonAdd(a.add);
        s.files.set(fileKey(add.path, add.deletionVector), add);
      } else if ("remove" in a && a.remove) {
        const rm = this.#canonRemove(a.remove);
        s.tombstones.set(fileKey(rm.path, rm.deletionVector), rm);
      } else {
        this.#applyNonFile(a);
      }
    }
  }

  /**
   * Apply the actions of one commit, newer than everything applied before.
   *
   * @param actions The commit's actions.
   */
  applyCommit(actions: Action[]): void {
    const s = this.state;
    const adds: AddAction[] = [];
    for (const a of actions) {
      if ("add" in a && a.add) {
        adds.push(a.add);
      } else if ("remove" in a && a.remove) {
        const rm = this.#canonRemove(a.remove);
        const key = fileKey(rm.path, rm.deletionVector);
        s.files.delete(key);
        s.tombstones.set(key, rm);
      } else if ("commitInfo" in a && a.commitInfo) {
        s.lastCommitInfo = a.commitInfo;
      } else {
        this.#applyNonFile(a);
      }
    }
    for (const raw of adds) {
      const add = this.#canonAdd(raw);
      const key = fileKey(add.path, add.deletionVector);
      s.files.set(key, add);
      s.tombstones.delete(key);
    }
  }

  #applyNonFile(a: Action): void {
    const s = this.state;
    if ("metaData" in a && a.metaData) s.metadata = a.metaData;
    else if ("protocol" in a && a.protocol) s.protocol = a.protocol;
    else if ("txn" in a && a.txn) s.txns.set(a.txn.appId, a.txn);
    else if ("domainMetadata" in a && a.domainMetadata) {
      const d = a.domainMetadata;
      if (d.removed) s.domainMetadata.delete(d.domain);
      else s.domainMetadata.set(d.domain, d);
    } else if ("sidecar" in a && a.sidecar) s.sidecars.push(a.sidecar);
  }

  #canonAdd(add: AddAction): AddAction {
    const path = canonicalPath(add.path, this.#root);
    const partitionValues = add.partitionValues ?? {};
    if (path === add.path && partitionValues === add.partitionValues) return add;
    return { ...add, path, partitionValues };
  }

  #canonRemove(rm: RemoveAction): RemoveAction {
    const path = canonicalPath(rm.path, this.#root);
    return path === rm.path ? rm : { ...rm, path };
  }
}
