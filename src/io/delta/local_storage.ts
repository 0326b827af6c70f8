/**
 * {@linkcode ObjectStorage} over a local folder.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ByteRange,
  FileAlreadyExistsError,
  FileNotFoundError,
  type ListOptions,
  type ObjectMeta,
  type ObjectStorage,
  type PolarsSource,
  type PutOptions,
} from "./storage.ts";

/**
 * Metadata whose size and time are read (one `stat`) on first access: listing a log folder of
 * 10,000 commits then costs one directory read, and only the files a snapshot uses are
 * stat-ed. A file deleted after the listing reports size 0 and time 0.
 */
function _lazyMeta(full: string, key: string): ObjectMeta {
  let info: { size: number; lastModified: number } | undefined;
  const stat = () => {
    if (!info) {
      try {
        const st = Deno.statSync(full);
        info = { size: st.size, lastModified: st.mtime?.getTime() ?? 0 };
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
        info = { size: 0, lastModified: 0 };
      }
    }
    return info;
  };
  return {
    path: key,
    get size() {
      return stat().size;
    },
    get lastModified() {
      return stat().lastModified;
    },
  };
}

/**
 * Object storage rooted at a local folder. Keys are `/`-separated paths below the root.
 *
 * `list` reads folders only; each object's size and modification time are read from the file
 * system on first access (see {@linkcode ObjectMeta}; values are those at that moment).
 *
 * `put` writes a hidden temporary file in the target's folder first; an exclusive put then
 * hard-links it to the key (the link fails if the key exists, so exactly one of two racing
 * writers wins) and an overwriting put renames it over the key. Readers never see a partly
 * written file either way.
 *
 * @example Write, read back and refuse a second exclusive write
 * ```ts
 * import { LocalStorage } from "./local_storage.ts";
 * const dir = await Deno.makeTempDir();
 * const storage = new LocalStorage(dir);
 * await storage.put("a/b.txt", new TextEncoder().encode("hi"));
 * const text = new TextDecoder().decode(await storage.read("a/b.txt"));
 * if (text !== "hi") throw new Error("read back failed");
 * let refused = false;
 * try { await storage.put("a/b.txt", new Uint8Array(1)); } catch { refused = true; }
 * if (!refused) throw new Error("exclusive put must fail");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class LocalStorage implements ObjectStorage {
  /** Absolute path of the root folder. */
  readonly root: string;

  /**
   * Create a `LocalStorage`.
   *
   * @param rootDir A folder path or a `file://` URI. It need not exist yet.
   */
  constructor(rootDir: string) {
    const p = rootDir.startsWith("file:") ? fileURLToPath(rootDir) : rootDir;
    this.root = resolve(p).replace(/\/+$/, "") || "/";
  }

  /**
   * The local path of a key.
   *
   * @param path A key relative to the root.
   * @returns The absolute file-system path.
   */
  localPath(path: string): string {
    return join(this.root, path);
  }

  /**
   * Where Polars reads a key: its local path, no cloud options.
   *
   * @param path A key relative to the root.
   * @returns `{ path }` with the absolute file-system path.
   */
  polarsSource(path: string): PolarsSource {
    return { path: this.localPath(path) };
  }

  /**
   * Every object whose key starts with `prefix`, recursively, sorted by key.
   *
   * @param prefix A key prefix; `""` lists everything.
   * @param options `startAfter`: only keys sorting after it.
   * @returns The objects' metadata; `[]` when nothing matches.
   */
  async list(prefix: string, options?: ListOptions): Promise<ObjectMeta[]> {
    const slash = prefix.lastIndexOf("/");
    const baseKey = slash >= 0 ? prefix.slice(0, slash + 1) : "";
    let out: ObjectMeta[] = [];
    await this._walk(baseKey, prefix, out);
    const after = options?.startAfter;
    if (after !== undefined) out = out.filter((m) => m.path > after);
    if (out.length > 1) out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return out;
  }

  /**
   * The bytes of an object as a stream.
   *
   * @param path The key.
   * @returns A stream of the file's bytes.
   * @throws {FileNotFoundError} When the key does not exist.
   */
  async readStream(path: string): Promise<ReadableStream<Uint8Array>> {
    try {
      const file = await Deno.open(this.localPath(path), { read: true });
      if (!(await file.stat()).isFile) {
        file.close();
        throw new FileNotFoundError(path);
      }
      return file.readable;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new FileNotFoundError(path, { cause: e });
      throw e;
    }
  }

  /**
   * Write an object from a stream (temporary file, then link or rename, as `put`).
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
    const target = this.localPath(path);
    const dir = dirname(target);
    await Deno.mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${crypto.randomUUID()}.tmp`);
    try {
      const file = await Deno.open(tmp, { write: true, createNew: true });
      await body.pipeTo(file.writable);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw e;
    }
    await this._publish(tmp, target, path, options);
  }

  /** Collect into `out` the files under folder `dirKey` whose keys start with `prefix` (internal). */
  _walk(dirKey: string, prefix: string, out: ObjectMeta[]): Promise<void> {
    // Synchronous file-system calls on purpose: a log folder holds thousands of small files,
    // and per-call overhead of async ops dominates (10,000 async stats take several times
    // longer than 10,000 sync ones).
    const dir = join(this.root, dirKey);
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        return Promise.resolve();
      }
      throw e;
    }
    const subdirs: string[] = [];
    for (const e of entries) {
      const key = dirKey + e.name;
      if (e.isDirectory) {
        const dKey = key + "/";
        // descend only when the folder can hold keys with the prefix
        if (dKey.startsWith(prefix) || prefix.startsWith(dKey)) subdirs.push(dKey);
      } else if (key.startsWith(prefix)) {
        out.push(_lazyMeta(join(this.root, key), key));
      }
    }
    return subdirs.reduce((p, d) => p.then(() => this._walk(d, prefix, out)), Promise.resolve());
  }

  /**
   * The bytes of an object or of a range of it.
   *
   * @param path The key.
   * @param range Optional byte range (`end` exclusive, clamped to the size).
   * @returns The bytes.
   * @throws {FileNotFoundError} When the key does not exist.
   */
  async read(path: string, range?: ByteRange): Promise<Uint8Array> {
    const full = this.localPath(path);
    try {
      // sync for the same reason as listing: log files are many and small
      if (!range) return Deno.readFileSync(full);
      using file = await Deno.open(full, { read: true });
      const size = (await file.stat()).size;
      const start = Math.min(Math.max(0, range.start), size);
      const end = Math.min(Math.max(start, range.end), size);
      const buf = new Uint8Array(end - start);
      await file.seek(start, Deno.SeekMode.Start);
      let off = 0;
      while (off < buf.length) {
        const n = await file.read(buf.subarray(off));
        if (n === null) break;
        off += n;
      }
      return buf.subarray(0, off);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory) {
        throw new FileNotFoundError(path, { cause: e });
      }
      throw e;
    }
  }

  /**
   * The metadata of an object.
   *
   * @param path The key.
   * @returns Size and modification time.
   * @throws {FileNotFoundError} When the key does not exist.
   */
  async head(path: string): Promise<ObjectMeta> {
    try {
      const st = await Deno.stat(this.localPath(path));
      if (!st.isFile) throw new FileNotFoundError(path);
      return { path, size: st.size, lastModified: st.mtime?.getTime() ?? 0 };
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new FileNotFoundError(path, { cause: e });
      throw e;
    }
  }

  /**
   * Write an object atomically (temporary file, then link or rename).
   *
   * @param path The key.
   * @param bytes The content.
   * @param options `overwrite` (default false).
   * @throws {FileAlreadyExistsError} When `overwrite` is false and the key exists.
   */
  async put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<void> {
    const target = this.localPath(path);
    const dir = dirname(target);
    await Deno.mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${crypto.randomUUID()}.tmp`);
    await Deno.writeFile(tmp, bytes, { createNew: true });
    await this._publish(tmp, target, path, options);
  }

  /** Move a written temporary file to the key: rename (overwrite) or link (exclusive). */
  async _publish(tmp: string, target: string, path: string, options?: PutOptions): Promise<void> {
    if (options?.overwrite) {
      try {
        await Deno.rename(tmp, target);
      } catch (e) {
        await Deno.remove(tmp).catch(() => {});
        throw e;
      }
      return;
    }
    try {
      await Deno.link(tmp, target);
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) {
        throw new FileAlreadyExistsError(path, { cause: e });
      }
      throw e;
    } finally {
      await Deno.remove(tmp).catch(() => {});
    }
  }

  /**
   * Delete an object; a missing key is not an error.
   *
   * @param path The key.
   */
  async delete(path: string): Promise<void> {
    try {
      await Deno.remove(this.localPath(path));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
  }
}
