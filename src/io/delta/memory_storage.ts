/**
 * {@linkcode ObjectStorage} held in memory, for tests and scratch tables.
 *
 * @module
 */
import {
  type ByteRange,
  FileAlreadyExistsError,
  FileNotFoundError,
  type ListOptions,
  type ObjectMeta,
  type ObjectStorage,
  type PutOptions,
} from "./storage.ts";

interface _Entry {
  bytes: Uint8Array;
  lastModified: number;
}

/**
 * In-memory object storage. Every operation is atomic (JavaScript is single-threaded), and
 * `put` copies its input so later mutation by the caller cannot change a stored object.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "./memory_storage.ts";
 * const s = new MemoryStorage();
 * await s.put("_delta_log/00000000000000000000.json", new Uint8Array([1, 2, 3]));
 * const [meta] = await s.list("_delta_log/");
 * if (meta.size !== 3) throw new Error("size");
 * ```
 */
export class MemoryStorage implements ObjectStorage {
  /** Always `memory://`. */
  readonly root: string = "memory://";
  readonly #objects = new Map<string, _Entry>();
  #clock = 0;

  /**
   * Every object whose key starts with `prefix`, sorted by key.
   *
   * @param prefix A key prefix; `""` lists everything.
   * @param options `startAfter`: only keys sorting after it.
   * @returns The objects' metadata.
   */
  list(prefix: string, options?: ListOptions): Promise<ObjectMeta[]> {
    const out: ObjectMeta[] = [];
    const after = options?.startAfter;
    for (const [path, e] of this.#objects) {
      if (path.startsWith(prefix) && (after === undefined || path > after)) {
        out.push({ path, size: e.bytes.length, lastModified: e.lastModified });
      }
    }
    out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return Promise.resolve(out);
  }

  /**
   * The bytes of an object or of a range of it (a copy).
   *
   * @param path The key.
   * @param range Optional byte range, `end` exclusive, clamped to the size.
   * @returns The bytes.
   * @throws {FileNotFoundError} When the key does not exist.
   */
  read(path: string, range?: ByteRange): Promise<Uint8Array> {
    const e = this.#objects.get(path);
    if (!e) return Promise.reject(new FileNotFoundError(path));
    if (!range) return Promise.resolve(e.bytes.slice());
    const start = Math.min(Math.max(0, range.start), e.bytes.length);
    const end = Math.min(Math.max(start, range.end), e.bytes.length);
    return Promise.resolve(e.bytes.slice(start, end));
  }

  /**
   * The metadata of an object.
   *
   * @param path The key.
   * @returns Size and modification time.
   * @throws {FileNotFoundError} When the key does not exist.
   */
  head(path: string): Promise<ObjectMeta> {
    const e = this.#objects.get(path);
    if (!e) return Promise.reject(new FileNotFoundError(path));
    return Promise.resolve({ path, size: e.bytes.length, lastModified: e.lastModified });
  }

  /**
   * Store an object (a copy of `bytes`).
   *
   * @param path The key.
   * @param bytes The content.
   * @param options `overwrite` (default false).
   * @throws {FileAlreadyExistsError} When `overwrite` is false and the key exists.
   */
  put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<void> {
    if (!options?.overwrite && this.#objects.has(path)) {
      return Promise.reject(new FileAlreadyExistsError(path));
    }
    // strictly increasing times, so commit order and time order agree even within 1 ms
    const now = Math.max(Date.now(), this.#clock + 1);
    this.#clock = now;
    this.#objects.set(path, { bytes: bytes.slice(), lastModified: now });
    return Promise.resolve();
  }

  /**
   * The bytes of an object as a stream (of a copy).
   *
   * @param path The key.
   * @returns A one-chunk stream.
   * @throws {FileNotFoundError} When the key does not exist.
   */
  async readStream(path: string): Promise<ReadableStream<Uint8Array>> {
    const bytes = await this.read(path);
    return new ReadableStream({
      start(c) {
        if (bytes.length) c.enqueue(bytes);
        c.close();
      },
    });
  }

  /**
   * Store an object read from a stream; nothing is stored when the stream fails.
   *
   * @param path The key.
   * @param body The content.
   * @param options `overwrite` (default false).
   * @throws {FileAlreadyExistsError} When `overwrite` is false and the key exists.
   */
  async putStream(
    path: string,
    body: ReadableStream<Uint8Array>,
    options?: PutOptions,
  ): Promise<void> {
    const bytes = new Uint8Array(await new Response(body).arrayBuffer());
    await this.put(path, bytes, options);
  }

  /**
   * Delete an object; a missing key is not an error.
   *
   * @param path The key.
   */
  delete(path: string): Promise<void> {
    this.#objects.delete(path);
    return Promise.resolve();
  }

  /**
   * Set an object's modification time (for time-travel tests).
   *
   * @param path The key.
   * @param lastModified Milliseconds since the Unix epoch.
   * @throws {FileNotFoundError} When the key does not exist.
   */
  setLastModified(path: string, lastModified: number): void {
    const e = this.#objects.get(path);
    if (!e) throw new FileNotFoundError(path);
    e.lastModified = lastModified;
  }
}
