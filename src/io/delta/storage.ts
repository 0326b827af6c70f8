/**
 * The storage contract the Delta protocol code talks to. Protocol logic never touches the
 * file system directly; it is handed an {@linkcode ObjectStorage}.
 *
 * Keys are `/`-separated paths relative to the storage root (usually the table root), with
 * no leading slash, for example `_delta_log/00000000000000000000.json`.
 *
 * Every adapter must pass the shared contract suite in `tests/io/delta/storage_contract.ts`.
 *
 * @module
 */

/** What storage knows about one object. */
export interface ObjectMeta {
  /** Key relative to the storage root, `/`-separated, no leading slash. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** Last modification time, milliseconds since the Unix epoch. */
  lastModified: number;
}

/** Options of {@linkcode ObjectStorage.put}. */
export interface PutOptions {
  /**
   * Replace an existing object. When false, `put` must fail with
   * {@linkcode FileAlreadyExistsError} if the key exists.
   *
   * @default {false}
   */
  overwrite?: boolean;
}

/** A byte range, `start` inclusive, `end` exclusive. */
export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, exclusive. */
  end: number;
}

/**
 * Object storage rooted at one folder or bucket prefix.
 *
 * Contract (every adapter must obey it):
 * - `list(prefix)` must return every object whose key starts with `prefix`, recursively,
 *   sorted by key (byte order); it must return `[]` when nothing matches, never fail for a
 *   missing folder.
 * - `read(path)` must return the whole object, or exactly the bytes of `range`; it must fail
 *   with {@linkcode FileNotFoundError} for a missing key.
 * - `head(path)` must return the object's metadata, or fail with {@linkcode FileNotFoundError}.
 * - `put(path, bytes, { overwrite: false })` must be atomic and exclusive: no reader ever sees
 *   a partly written object, and if the key exists (or another writer wins the race) it must
 *   fail with {@linkcode FileAlreadyExistsError} and leave the existing object unchanged.
 * - `put(path, bytes, { overwrite: true })` must be atomic: readers see the old or the new
 *   bytes, never a mix.
 * - `delete(path)` must be idempotent: deleting a missing key succeeds.
 */
export interface ObjectStorage {
  /** A human-readable location of the root, for messages (a path or a URI). */
  readonly root: string;
  /** Every object under `prefix`, recursively, sorted by key. */
  list(prefix: string): Promise<ObjectMeta[]>;
  /** The bytes of an object, or of a range of it. */
  read(path: string, range?: ByteRange): Promise<Uint8Array>;
  /** The metadata of an object. */
  head(path: string): Promise<ObjectMeta>;
  /** Write an object atomically; exclusive unless `overwrite` is true. */
  put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<void>;
  /** Delete an object; a missing key is not an error. */
  delete(path: string): Promise<void>;
  /**
   * The local file-system path of a key, when the storage is a local folder, so that Polars
   * can scan Parquet files lazily in place. `undefined` for non-local storage.
   */
  localPath?(path: string): string | undefined;
}

/** A key that storage does not hold. */
export class FileNotFoundError extends Error {
  /** The missing key. */
  readonly path: string;
  /**
   * Create the error.
   *
   * @param path The missing key.
   * @param options Standard error options (`cause`).
   */
  constructor(path: string, options?: ErrorOptions) {
    super(`File not found: "${path}"`, options);
    this.name = "FileNotFoundError";
    this.path = path;
  }
}

/** An exclusive `put` found the key already taken. */
export class FileAlreadyExistsError extends Error {
  /** The key that exists. */
  readonly path: string;
  /**
   * Create the error.
   *
   * @param path The key that exists.
   * @param options Standard error options (`cause`).
   */
  constructor(path: string, options?: ErrorOptions) {
    super(`File already exists: "${path}"`, options);
    this.name = "FileAlreadyExistsError";
    this.path = path;
  }
}
