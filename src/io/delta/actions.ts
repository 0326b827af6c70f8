/**
 * Delta log actions: the typed shapes of the JSON objects found in commit files and
 * checkpoints, and the parser of one newline-delimited JSON commit.
 *
 * Field names follow the Delta protocol (`PROTOCOL.md`, section "Actions") exactly, so an
 * action read from a log can be written back unchanged.
 *
 * @module
 */
import { CorruptLogError } from "./errors.ts";

/** The `protocol` action: versions and table features a client needs. */
export interface ProtocolAction {
  /** Minimum reader protocol version (1, 2 or 3). */
  minReaderVersion: number;
  /** Minimum writer protocol version (1 to 7). */
  minWriterVersion: number;
  /** Reader table features, present when `minReaderVersion` is 3. */
  readerFeatures?: string[];
  /** Writer table features, present when `minWriterVersion` is 7. */
  writerFeatures?: string[];
}

/** The `metaData` action: schema, partitioning and configuration of the table. */
export interface MetadataAction {
  /** Unique table id (a UUID). */
  id: string;
  /** Optional user-facing table name. */
  name?: string | null;
  /** Optional description. */
  description?: string | null;
  /** Data file format; `provider` is always `parquet`. */
  format: { provider: string; options: Record<string, string> };
  /** The table schema, serialised as Delta schema JSON. */
  schemaString: string;
  /** Names of the partition columns, in order. */
  partitionColumns: string[];
  /** Table properties such as `delta.columnMapping.mode`. */
  configuration: Record<string, string>;
  /** Creation time, milliseconds since the Unix epoch. */
  createdTime?: number | null;
}

/** Where the rows a deletion vector marks as deleted are stored. */
export interface DeletionVectorDescriptor {
  /** `u` (UUID-relative path), `i` (inline) or `p` (absolute path). */
  storageType: string;
  /** The encoded path, UUID or inline bitmap. */
  pathOrInlineDv: string;
  /** Byte offset of the DV in its file (absent for inline DVs). */
  offset?: number | null;
  /** Size of the serialised DV in bytes. */
  sizeInBytes: number;
  /** Number of rows the DV marks as deleted. */
  cardinality: number;
}

/** The `add` action: one live data file (path relative to the table root, URI-encoded in the log). */
export interface AddAction {
  /**
   * Path of the data file. In a {@linkcode Snapshot} this is the canonical form: URI-decoded
   * once, relative to the table root when the file lies inside it (else an absolute URI).
   * Encode it again with {@linkcode encodeDeltaPath} before writing it to a log.
   */
  path: string;
  /** Partition values as strings (`null` for a null partition). */
  partitionValues: Record<string, string | null>;
  /** File size in bytes. */
  size: number;
  /** File modification time, milliseconds since the Unix epoch. */
  modificationTime: number;
  /** Whether the action changes data (false for compaction). */
  dataChange: boolean;
  /** Per-file statistics, a JSON string (`numRecords`, `minValues`, `maxValues`, `nullCount`). */
  stats?: string | null;
  /** Free-form tags. */
  tags?: Record<string, string | null> | null;
  /** Rows of the file that are deleted. */
  deletionVector?: DeletionVectorDescriptor | null;
  /** Row tracking: first row id of the file. */
  baseRowId?: number | null;
  /** Row tracking: default commit version of the rows. */
  defaultRowCommitVersion?: number | null;
  /** Clustering implementation that wrote the file. */
  clusteringProvider?: string | null;
}

/** The `remove` action: a data file (or a DV of it) that is no longer live. */
export interface RemoveAction {
  /** Path of the data file, same conventions as {@linkcode AddAction.path}. */
  path: string;
  /** Deletion time, milliseconds since the Unix epoch. */
  deletionTimestamp?: number | null;
  /** Whether the action changes data. */
  dataChange: boolean;
  /** Whether `partitionValues`, `size` and `tags` are present. */
  extendedFileMetadata?: boolean | null;
  /** Partition values of the removed file. */
  partitionValues?: Record<string, string | null> | null;
  /** Size of the removed file in bytes. */
  size?: number | null;
  /** Statistics of the removed file. */
  stats?: string | null;
  /** Tags of the removed file. */
  tags?: Record<string, string | null> | null;
  /** The DV that was attached to the removed logical file. */
  deletionVector?: DeletionVectorDescriptor | null;
  /** Row tracking fields. */
  baseRowId?: number | null;
  /** Row tracking fields. */
  defaultRowCommitVersion?: number | null;
}

/** The `txn` action: the latest version an application committed (idempotent writes). */
export interface TxnAction {
  /** Application id. */
  appId: string;
  /** Application-defined version. */
  version: number;
  /** When it was committed, milliseconds since the Unix epoch. */
  lastUpdated?: number | null;
}

/** The `commitInfo` action: free-form provenance (operation, engine, timestamps). */
export interface CommitInfo {
  /** Commit time in milliseconds (set by most writers). */
  timestamp?: number;
  /** In-commit timestamp (when the `inCommitTimestamp` feature is enabled). */
  inCommitTimestamp?: number;
  /** Operation name, for example `WRITE`. */
  operation?: string;
  /** Operation parameters. */
  operationParameters?: Record<string, unknown>;
  /** Any other field. */
  [key: string]: unknown;
}

/** The `domainMetadata` action: configuration owned by one named domain. */
export interface DomainMetadataAction {
  /** Domain name. */
  domain: string;
  /** Domain configuration (usually JSON text). */
  configuration: string;
  /** True when the domain is removed (a tombstone). */
  removed: boolean;
}

/** The `cdc` action: a change data file (ignored by snapshot reads). */
export interface CdcAction {
  /** Path of the change data file. */
  path: string;
  /** Partition values. */
  partitionValues: Record<string, string | null>;
  /** Size in bytes. */
  size: number;
  /** Always false. */
  dataChange: boolean;
  /** Tags. */
  tags?: Record<string, string | null> | null;
}

/** The `checkpointMetadata` action of a V2 checkpoint. */
export interface CheckpointMetadataAction {
  /** Version of the checkpoint. */
  version: number;
  /** Free-form tags. */
  tags?: Record<string, string> | null;
}

/** The `sidecar` action of a V2 checkpoint: a file holding part of its file actions. */
export interface SidecarAction {
  /** Path relative to `_delta_log/_sidecars/` (or absolute). */
  path: string;
  /** Size in bytes. */
  sizeInBytes: number;
  /** Modification time in milliseconds. */
  modificationTime: number;
  /** Free-form tags. */
  tags?: Record<string, string> | null;
}

/** One line of a commit file: an object with exactly one action key. */
export type Action =
  | { add: AddAction }
  | { remove: RemoveAction }
  | { metaData: MetadataAction }
  | { protocol: ProtocolAction }
  | { txn: TxnAction }
  | { commitInfo: CommitInfo }
  | { domainMetadata: DomainMetadataAction }
  | { cdc: CdcAction }
  | { checkpointMetadata: CheckpointMetadataAction }
  | { sidecar: SidecarAction };

/**
 * Parse a newline-delimited JSON commit into its actions. Blank lines are skipped; unknown
 * action keys are kept (readers must ignore them).
 *
 * @param text The commit file content.
 * @param fileName The file name, used in error messages.
 * @returns The actions, in file order.
 * @throws {CorruptLogError} When the file is empty or a line is not a JSON object.
 *
 * @example Parse a one-line commit
 * ```ts
 * import { parseActions } from "./actions.ts";
 * const actions = parseActions('{"txn":{"appId":"a","version":3}}\n', "00000000000000000001.json");
 * if (actions.length !== 1 || !("txn" in actions[0])) throw new Error("expected one txn action");
 * ```
 */
export function parseActions(text: string, fileName: string): Action[] {
  const out: Action[] = [];
  let start = 0;
  let lineNo = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line.length === 0) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (cause) {
      throw new CorruptLogError(
        `Cannot read commit "${fileName}": line ${lineNo} is not valid JSON`,
        { cause },
      );
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      throw new CorruptLogError(
        `Cannot read commit "${fileName}": line ${lineNo} is not a JSON object`,
      );
    }
    out.push(obj as Action);
  }
  if (out.length === 0) {
    throw new CorruptLogError(`Cannot read commit "${fileName}": file is empty`);
  }
  return out;
}

/**
 * The unique id of a deletion vector, per the protocol: storage type, path or inline data,
 * and `@offset` when an offset is given. Used with the path as the key of a logical file.
 *
 * @param dv The descriptor, or nothing.
 * @returns The id, or `""` when there is no DV.
 *
 * @example
 * ```ts
 * import { deletionVectorId } from "./actions.ts";
 * const id = deletionVectorId({ storageType: "u", pathOrInlineDv: "ab", offset: 4, sizeInBytes: 1, cardinality: 1 });
 * if (id !== "uab@4") throw new Error(id);
 * ```
 */
export function deletionVectorId(dv: DeletionVectorDescriptor | null | undefined): string {
  if (!dv) return "";
  const offset = dv.offset === null || dv.offset === undefined ? "" : `@${dv.offset}`;
  return `${dv.storageType}${dv.pathOrInlineDv}${offset}`;
}

/**
 * Decode a path from the log exactly once (percent-decoding; `+` is kept literally, as the
 * protocol encodes paths as URIs, not form data). An invalid escape is kept as is.
 *
 * @param raw The path as written in an `add`/`remove` action.
 * @returns The decoded path.
 *
 * @example
 * ```ts
 * import { decodeDeltaPath } from "./actions.ts";
 * if (decodeDeltaPath("x=a%20b/p%253A.parquet") !== "x=a b/p%3A.parquet") throw new Error("bad");
 * ```
 */
export function decodeDeltaPath(raw: string): string {
  if (!raw.includes("%")) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw.replace(/%[0-9A-Fa-f]{2}/g, (m) => {
      try {
        return decodeURIComponent(m);
      } catch {
        return m;
      }
    });
  }
}

/**
 * Encode a canonical (decoded) relative path for writing into a log: every character outside
 * the RFC 3986 unreserved set and `/` is percent-encoded, so {@linkcode decodeDeltaPath}
 * returns the input.
 *
 * @param path A decoded path relative to the table root.
 * @returns The URI-encoded path.
 *
 * @example
 * ```ts
 * import { decodeDeltaPath, encodeDeltaPath } from "./actions.ts";
 * const p = "ts=2024-01-01 00:00:00/part 1%.parquet";
 * if (decodeDeltaPath(encodeDeltaPath(p)) !== p) throw new Error("round trip failed");
 * ```
 */
export function encodeDeltaPath(path: string): string {
  return path.split("/").map((s) => encodeURIComponent(s)).join("/");
}
