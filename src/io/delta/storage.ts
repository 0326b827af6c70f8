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

/** Options of {@linkcode ObjectStorage.list}. */
export interface ListOptions {
  /**
   * Return only keys that sort strictly after this key (a full key, not relative to
   * `prefix`), as S3's ListObjectsV2 `start-after` does. Opening a table lists `_delta_log/`
   * from its last checkpoint on with it.
   *
   * @default {undefined (from the first key)}
   */
  startAfter?: string;
}

/** Where Polars reads a Parquet object from in place (see {@linkcode ObjectStorage.polarsSource}). */
export interface PolarsSource {
  /** A local path or a URI Polars' object store understands (`s3://bucket/key`). */
  path: string;
  /**
   * The `cloudOptions` to pass to `pl.scanParquet` / `pl.readParquet`; absent for local files.
   * It holds credentials: never print it.
   */
  cloudOptions?: Record<string, string>;
}

/** A byte range, `start` inclusive, `end` exclusive. */
export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, exclusive. */
  end: number;
}

/**
 * An upload begun in parts and neither completed nor aborted, for example by a writer killed
 * mid-`putStream`: it holds storage but is not an object.
 */
export interface UnfinishedUpload {
  /** The key it would have created, relative to the root. */
  path: string;
  /** The storage's id of the upload. */
  id: string;
  /** When it was begun, in milliseconds since the epoch. */
  started: number;
}

/**
 * Object storage rooted at one folder or bucket prefix.
 *
 * Contract (every adapter must obey it):
 * - `list(prefix)` must return every object whose key starts with `prefix`, recursively,
 *   sorted by key (byte order); it must return `[]` when nothing matches, never fail for a
 *   missing folder. With `{ startAfter }` it must return only the keys that sort strictly
 *   after `startAfter`.
 * - `read(path)` must return the whole object, or exactly the bytes of `range`; it must fail
 *   with {@linkcode FileNotFoundError} for a missing key.
 * - `head(path)` must return the object's metadata, or fail with {@linkcode FileNotFoundError}.
 * - `put(path, bytes, { overwrite: false })` must be atomic and exclusive: no reader ever sees
 *   a partly written object, and if the key exists (or another writer wins the race) it must
 *   fail with {@linkcode FileAlreadyExistsError} and leave the existing object unchanged.
 * - `put(path, bytes, { overwrite: true })` must be atomic: readers see the old or the new
 *   bytes, never a mix.
 * - `delete(path)` must be idempotent: deleting a missing key succeeds.
 * - `readStream(path)`, when implemented, must stream exactly the bytes `read(path)` returns,
 *   and must fail with {@linkcode FileNotFoundError} for a missing key (before the stream is
 *   returned).
 * - `putStream(path, body, options)`, when implemented, must obey the same rules as `put`
 *   (atomic; exclusive unless `overwrite`), must not buffer the whole body (unless the storage
 *   itself is memory), and when the body or the upload fails it must leave no object and no
 *   partial upload behind.
 * - `polarsSource(path)`, when implemented, must name a location from which Polars reads the
 *   same bytes as `read(path)`.
 * - `listUnfinishedUploads(prefix)`, when implemented (storages whose `putStream` uploads in
 *   parts a killed writer cannot abort), must return every upload under `prefix` that was begun
 *   and neither completed nor aborted, sorted by path; such an upload is never an object (no
 *   `list`, `read` or `head` sees it). `abortUnfinishedUpload(upload)` must discard it and be
 *   idempotent: aborting an upload already gone succeeds.
 */
export interface ObjectStorage {
  /** A human-readable location of the root, for messages (a path or a URI). */
  readonly root: string;
  /** Every object under `prefix`, recursively, sorted by key (after `startAfter` when given). */
  list(prefix: string, options?: ListOptions): Promise<ObjectMeta[]>;
  /** The bytes of an object, or of a range of it. */
  read(path: string, range?: ByteRange): Promise<Uint8Array>;
  /** The metadata of an object. */
  head(path: string): Promise<ObjectMeta>;
  /** Write an object atomically; exclusive unless `overwrite` is true. */
  put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<void>;
  /** Delete an object; a missing key is not an error. */
  delete(path: string): Promise<void>;
  /** The bytes of an object as a stream (large bronze files are read through it). */
  readStream?(path: string): Promise<ReadableStream<Uint8Array>>;
  /**
   * Write an object from a stream, atomically; exclusive unless `overwrite` is true. Large
   * objects upload in parts; a failed upload leaves nothing behind.
   */
  putStream?(path: string, body: ReadableStream<Uint8Array>, options?: PutOptions): Promise<void>;
  /** Uploads under `prefix` begun and neither completed nor aborted (a killed writer's). */
  listUnfinishedUploads?(prefix: string): Promise<UnfinishedUpload[]>;
  /** Discard an unfinished upload; one already gone is not an error. */
  abortUnfinishedUpload?(upload: UnfinishedUpload): Promise<void>;
  /** Where Polars can scan the object in place (a local path, or a URI plus cloud options). */
  polarsSource?(path: string): PolarsSource;
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
