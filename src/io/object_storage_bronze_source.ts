/**
 * A {@linkcode BronzeSource} over any {@linkcode ObjectStorage} (an `s3://` bronze prefix, or
 * a local folder through `LocalStorage`).
 *
 * The rule is the local source's, over keys instead of folders: one listing of every key
 * under the storage root (sorted), each key recognised with {@linkcode parseBronzePath} (both
 * layouts), instrument metadata under `tardis/instruments/` skipped, every other key reported
 * through `onUnmatched` with its reason, and a key that cannot be read while hashing (removed
 * since the listing, access denied, the store failing past its retries) through
 * `onUnreadable`, the listing going on. Size and modification time come from the listing;
 * the SHA-256 is computed while streaming the object (`readStream` where the storage has it,
 * so a file is never held in memory whole for hashing).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { isInstrumentsPath, parseBronzePath } from "./bronze_layout.ts";
import type { ObjectStorage } from "./delta/storage.ts";
import { bronzeCandidate, globToRegExp } from "./local_bronze_source.ts";
import { readErrorReason } from "./read_error_reason.ts";
import type { BronzeFileMetadata, BronzeSource, ListFilesOptions } from "./protocols.ts";

/**
 * The hex SHA-256 of an object, computed while streaming it (`readStream` when the storage
 * has it, else one `read`).
 *
 * @param storage The storage.
 * @param key The object's key.
 * @returns 64 lower-case hex digits.
 * @throws {FileNotFoundError} When the key does not exist (from the storage).
 * @example
 * ```ts
 * import { MemoryStorage } from "./delta/memory_storage.ts";
 * import { sha256Object } from "./object_storage_bronze_source.ts";
 * const s = new MemoryStorage();
 * await s.put("a.txt", new TextEncoder().encode("abc"));
 * if (!(await sha256Object(s, "a.txt")).startsWith("ba7816bf")) throw new Error("hash");
 * ```
 */
export async function sha256Object(storage: ObjectStorage, key: string): Promise<string> {
  const hash = createHash("sha256");
  if (storage.readStream) {
    for await (const chunk of await storage.readStream(key)) hash.update(chunk);
  } else {
    hash.update(await storage.read(key));
  }
  return hash.digest("hex");
}

/** Bronze files in object storage (the storage is rooted at the bronze prefix). */
export class ObjectStorageBronzeSource implements BronzeSource {
  /** The bronze root, for messages (the storage's root URI; never a credential). */
  readonly root: string;
  /** The storage rooted at the bronze prefix. */
  readonly storage: ObjectStorage;

  /**
   * Create a source over a storage rooted at the bronze prefix.
   *
   * @param storage Storage rooted at the bronze prefix (e.g. `s3://bucket/lake/bronze`).
   * @example
   * ```ts
   * import { MemoryStorage } from "./delta/memory_storage.ts";
   * import { ObjectStorageBronzeSource } from "./object_storage_bronze_source.ts";
   * const s = new MemoryStorage();
   * await s.put("deribit_trades_2024-07-30_BTC-PERPETUAL.csv.gz", new Uint8Array([1]));
   * await s.put("notes.txt", new Uint8Array([1]));
   * const unmatched: string[] = [];
   * const files = [];
   * const source = new ObjectStorageBronzeSource(s);
   * for await (const f of source.listFiles("**", { onUnmatched: (u) => unmatched.push(u.bronze_path) })) files.push(f);
   * if (files.length !== 1 || files[0].symbol !== "BTC-PERPETUAL") throw new Error("not listed");
   * if (unmatched.join() !== "notes.txt") throw new Error("not reported");
   * ```
   */
  constructor(storage: ObjectStorage) {
    this.storage = storage;
    this.root = storage.root;
  }

  /**
   * Every recognised file whose key matches `glob`, sorted by key.
   *
   * @param glob Pattern over keys relative to the bronze root. @default {"**"}
   * @param options `onUnmatched` for keys in no layout, `onUnreadable` for keys that cannot be
   *   read; `filter` applied before hashing.
   * @returns The files' metadata, with SHA-256 computed while streaming.
   * @throws {SyntaxError} When the glob is malformed.
   */
  async *listFiles(glob = "**", options: ListFilesOptions = {}): AsyncIterable<BronzeFileMetadata> {
    const re = globToRegExp(glob);
    const objects = await this.storage.list("");
    for (const obj of objects) {
      const rel = obj.path;
      if (rel.endsWith("/") || !re.test(rel) || isInstrumentsPath(rel)) continue;
      const parsed = parseBronzePath(rel);
      if (!parsed.ok) {
        options.onUnmatched?.({ bronze_path: rel, reason: parsed.reason });
        continue;
      }
      const candidate = bronzeCandidate(rel, parsed.info, obj.size, obj.lastModified);
      if (options.filter && !options.filter(candidate)) continue;
      let sha256: string;
      try {
        sha256 = await sha256Object(this.storage, rel);
      } catch (err) {
        options.onUnreadable?.({ bronze_path: rel, reason: readErrorReason(err), candidate });
        continue;
      }
      yield { ...candidate, sha256 };
    }
  }

  /**
   * The raw bytes of a bronze file.
   *
   * @param bronzePath Key relative to the bronze root.
   * @returns The file's bytes.
   * @throws {RangeError} When the path is absolute or has a `..` segment.
   * @throws {FileNotFoundError} When the file does not exist (from the storage).
   */
  async readFile(bronzePath: string): Promise<Uint8Array> {
    return await this.storage.read(_checkedKey(bronzePath));
  }

  /**
   * The raw bytes of a bronze file as a stream (the storage's `readStream`, so a large file
   * is never held whole; storages without it hand over one block).
   *
   * @param bronzePath Key relative to the bronze root.
   * @returns A byte stream of the file.
   * @throws {RangeError} When the path is absolute or has a `..` segment.
   * @throws {FileNotFoundError} When the file does not exist (from the storage).
   * @example
   * ```ts
   * import { MemoryStorage } from "./delta/memory_storage.ts";
   * import { ObjectStorageBronzeSource } from "./object_storage_bronze_source.ts";
   * const s = new MemoryStorage();
   * await s.put("a.csv", new TextEncoder().encode("x\n1\n"));
   * const text = await new Response(await new ObjectStorageBronzeSource(s).openStream("a.csv")).text();
   * if (text !== "x\n1\n") throw new Error(text);
   * ```
   */
  async openStream(bronzePath: string): Promise<ReadableStream<Uint8Array>> {
    const key = _checkedKey(bronzePath);
    if (this.storage.readStream) return await this.storage.readStream(key);
    const bytes = await this.storage.read(key);
    return new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
  }
}

function _checkedKey(bronzePath: string): string {
  const key = bronzePath.replace(/^(\.\/)+/, "");
  if (key.startsWith("/") || key.split("/").some((s) => s === ".." || s === "")) {
    throw new RangeError(`Bronze path "${bronzePath}" escapes the bronze root`);
  }
  return key;
}
