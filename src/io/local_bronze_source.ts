/**
 * A {@linkcode BronzeSource} over a local folder.
 *
 * Walks the folder recursively (sorted, symlinked folders not followed), recognises each file
 * with {@linkcode parseBronzePath}, and hashes the recognised ones by streaming them through
 * `node:crypto` (a file is never held in memory whole for hashing). Files in neither layout are
 * reported through `onUnmatched` with the reason. Instrument metadata under
 * `tardis/instruments/` is a known non-event file and is skipped without a report.
 *
 * Nothing found is silently dropped, and one bad entry never ends the listing: a recognised
 * file that cannot be stat'ed, opened or hashed (no permission, a dangling symbolic link, a
 * symbolic link loop, an I/O error), or that is not a regular file (a FIFO is never opened),
 * goes to `onUnreadable` with the reason; so does a sub-folder that cannot be listed (its
 * path ends with `/`). A symbolic link to a folder is reported through `onUnmatched` (not
 * followed, so no loop). Only an unreadable bronze root itself throws
 * ({@linkcode BronzeRootError}).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readFile, readlink, stat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { type BronzePathInfo, isInstrumentsPath, parseBronzePath } from "./bronze_layout.ts";
import type {
  BronzeFileCandidate,
  BronzeFileMetadata,
  BronzeSource,
  ListFilesOptions,
} from "./protocols.ts";
import { readErrorReason } from "./read_error_reason.ts";

/** What the walk found at one path: a file to stat and hash, or a problem to report. */
type _Entry =
  | { rel: string; kind: "file" }
  | { rel: string; kind: "unreadable" | "unmatched"; reason: string };

/**
 * Translate a glob to a regular expression over `/`-separated relative paths: `**` matches
 * any number of folders, `*` anything within one segment, `?` one character, `{a,b}` either.
 *
 * @param glob The pattern.
 * @returns An anchored regular expression.
 * @example
 * ```ts
 * import { globToRegExp } from "./local_bronze_source.ts";
 * if (!globToRegExp("tardis/**\/type=trades/**").test("tardis/exchange=x/type=trades/a/b.csv.gz")) {
 *   throw new Error("no match");
 * }
 * if (globToRegExp("*.csv.gz").test("a/b.csv.gz")) throw new Error("* crossed a folder");
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slash = glob[i + 2] === "/";
        re += slash ? "(?:.*/)?" : ".*";
        i += slash ? 2 : 1;
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "{") {
      const end = glob.indexOf("}", i);
      if (end < 0) throw new SyntaxError(`Invalid glob "${glob}": unclosed "{"`);
      const alts = glob.slice(i + 1, end).split(",").map((a) =>
        a.replace(/[.+^$()|[\]\\]/g, "\\$&")
      );
      re += `(?:${alts.join("|")})`;
      i = end;
    } else re += c.replace(/[.+^$()|[\]\\]/g, "\\$&");
  }
  // `s`: a name may hold a newline, and must still reach the layout check to be reported.
  return new RegExp(`^${re}$`, "s");
}

/**
 * The hex SHA-256 of a file, computed by streaming it.
 *
 * @param path A local file path.
 * @returns 64 lower-case hex digits.
 * @throws {Error} When the file cannot be read.
 * @example
 * ```ts
 * import { sha256File } from "./local_bronze_source.ts";
 * const p = await Deno.makeTempFile();
 * await Deno.writeTextFile(p, "abc");
 * const h = await sha256File(p);
 * await Deno.remove(p);
 * if (!h.startsWith("ba7816bf")) throw new Error(h);
 * ```
 */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash("sha256");
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    stream.on("data", (chunk) => hash.update(chunk));
    stream.on("error", reject);
    stream.on("end", () => resolvePromise(hash.digest("hex")));
  });
}

/**
 * The metadata of a recognised bronze file known before hashing it.
 *
 * @param rel Path relative to the bronze root.
 * @param info What {@linkcode parseBronzePath} read from the path.
 * @param sizeBytes Size in bytes.
 * @param mtimeMs Last modification time, milliseconds since the epoch.
 * @returns The candidate (`last_modified_ts` in microseconds).
 * @example
 * ```ts
 * import { parseBronzePath } from "./bronze_layout.ts";
 * import { bronzeCandidate } from "./local_bronze_source.ts";
 * const rel = "deribit_trades_2024-07-30_BTC-PERPETUAL.csv.gz";
 * const parsed = parseBronzePath(rel);
 * if (!parsed.ok) throw new Error(parsed.reason);
 * const c = bronzeCandidate(rel, parsed.info, 10, 1.5);
 * if (c.last_modified_ts !== 1500 || c.exchange !== "deribit") throw new Error("candidate");
 * ```
 */
export function bronzeCandidate(
  rel: string,
  info: BronzePathInfo,
  sizeBytes: number,
  mtimeMs: number,
): BronzeFileCandidate {
  return {
    vendor: info.vendor,
    exchange: info.exchange,
    data_type: info.data_type,
    symbol: info.symbol,
    date: info.date,
    bronze_path: rel,
    file_size_bytes: sizeBytes,
    last_modified_ts: Math.round(mtimeMs * 1000),
  };
}

/** The bronze root itself cannot be listed (a failure of the whole listing, not of one file). */
export class BronzeRootError extends Error {
  /** The bronze root. */
  readonly root: string;
  /**
   * An error naming the bronze root and why it cannot be listed.
   *
   * @param root The bronze root.
   * @param reason Why it cannot be listed (see `readErrorReason`).
   * @param options Standard error options (`cause`).
   * @example
   * ```ts
   * import { BronzeRootError } from "./local_bronze_source.ts";
   * const e = new BronzeRootError("/lake/bronze", "permission denied (EACCES)");
   * if (e.message !== 'Cannot list the bronze folder "/lake/bronze": permission denied (EACCES)') {
   *   throw new Error(e.message);
   * }
   * ```
   */
  constructor(root: string, reason: string, options?: ErrorOptions) {
    super(`Cannot list the bronze folder "${root}": ${reason}`, options);
    this.name = "BronzeRootError";
    this.root = root;
  }
}

/** Bronze files in a local folder. */
export class LocalBronzeSource implements BronzeSource {
  /** Absolute path of the bronze root. */
  readonly root: string;

  /**
   * Create a `LocalBronzeSource`.
   *
   * @param rootDir The bronze folder (usually `<lake>/bronze`).
   * @example
   * ```ts
   * import { LocalBronzeSource } from "./local_bronze_source.ts";
   * const dir = await Deno.makeTempDir();
   * await Deno.writeTextFile(`${dir}/notes.txt`, "x");
   * const unmatched: string[] = [];
   * const files = [];
   * for await (const f of new LocalBronzeSource(dir).listFiles("**", { onUnmatched: (u) => unmatched.push(u.bronze_path) })) files.push(f);
   * await Deno.remove(dir, { recursive: true });
   * if (files.length !== 0 || unmatched[0] !== "notes.txt") throw new Error("not reported");
   * ```
   */
  constructor(rootDir: string) {
    this.root = resolve(rootDir);
  }

  /**
   * Every recognised file under the root whose relative path matches `glob`, sorted by path.
   *
   * @param glob Pattern over relative paths. @default {"**"}
   * @param options `onUnmatched` for files in no layout; `filter` applied before hashing.
   * @returns The files' metadata, with SHA-256 computed by streaming.
   * @throws {SyntaxError} When the glob is malformed.
   */
  async *listFiles(glob = "**", options: ListFilesOptions = {}): AsyncIterable<BronzeFileMetadata> {
    const re = globToRegExp(glob);
    const entries: _Entry[] = [];
    await this._walk("", entries);
    entries.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
    for (const entry of entries) {
      const { rel } = entry;
      if (entry.kind === "unreadable" && rel.endsWith("/")) {
        options.onUnreadable?.({ bronze_path: rel, reason: entry.reason });
        continue;
      }
      if (!re.test(rel)) continue;
      if (entry.kind === "unmatched") {
        options.onUnmatched?.({ bronze_path: rel, reason: entry.reason });
        continue;
      }
      if (isInstrumentsPath(rel)) continue;
      const parsed = parseBronzePath(rel);
      if (!parsed.ok) {
        options.onUnmatched?.({ bronze_path: rel, reason: parsed.reason });
        continue;
      }
      const candidate = bronzeCandidate(rel, parsed.info, 0, 0);
      if (options.filter && !options.filter(candidate)) continue;
      const unreadable = (reason: string) =>
        options.onUnreadable?.({ bronze_path: rel, reason, candidate });
      if (entry.kind === "unreadable") {
        unreadable(entry.reason);
        continue;
      }
      const abs = join(this.root, rel);
      let sha256: string;
      try {
        const st = await stat(abs);
        if (!st.isFile()) {
          unreadable(`not a regular file (${_kind(st)})`);
          continue;
        }
        candidate.file_size_bytes = st.size;
        candidate.last_modified_ts = Math.round((st.mtimeMs ?? 0) * 1000);
        sha256 = await sha256File(abs);
      } catch (err) {
        unreadable(readErrorReason(err));
        continue;
      }
      yield { ...candidate, sha256 };
    }
  }

  /**
   * The raw bytes of a bronze file.
   *
   * @param bronzePath Path relative to the root.
   * @returns The file's bytes.
   * @throws {RangeError} When the path escapes the root.
   * @throws {Error} When the file cannot be read (e.g. `ENOENT`).
   */
  async readFile(bronzePath: string): Promise<Uint8Array> {
    const bytes = await readFile(this._absolute(bronzePath));
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength); // a view, no copy
  }

  /**
   * The raw bytes of a bronze file as a stream (read in blocks, never whole).
   *
   * @param bronzePath Path relative to the root.
   * @returns A byte stream of the file.
   * @throws {RangeError} When the path escapes the root.
   * @throws {Error} When the file cannot be opened (e.g. `ENOENT`).
   * @example
   * ```ts
   * import { LocalBronzeSource } from "./local_bronze_source.ts";
   * const root = await Deno.makeTempDir();
   * await Deno.writeTextFile(`${root}/a.csv`, "x\n1\n");
   * const stream = await new LocalBronzeSource(root).openStream("a.csv");
   * const text = await new Response(stream).text();
   * await Deno.remove(root, { recursive: true });
   * if (text !== "x\n1\n") throw new Error(text);
   * ```
   */
  async openStream(bronzePath: string): Promise<ReadableStream<Uint8Array>> {
    const file = await Deno.open(this._absolute(bronzePath), { read: true });
    return file.readable;
  }

  /** The absolute path of a bronze path; a path that escapes the bronze root is a `RangeError`. */
  private _absolute(bronzePath: string): string {
    const abs = resolve(this.root, bronzePath);
    if (abs !== this.root && !abs.startsWith(this.root + sep)) {
      throw new RangeError(`Bronze path "${bronzePath}" escapes the bronze root`);
    }
    return abs;
  }

  /**
   * Every entry under `relDir`: regular files and symbolic links to them as `file`; anything
   * else that could hold a bronze file as a problem with its reason.
   */
  private async _walk(relDir: string, out: _Entry[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(join(this.root, relDir), { withFileTypes: true });
    } catch (err) {
      if (relDir === "") {
        if ((err as { code?: string }).code === "ENOENT") return;
        throw new BronzeRootError(this.root, readErrorReason(err), { cause: err });
      }
      out.push({
        rel: `${relDir}/`,
        kind: "unreadable",
        reason: `cannot list folder: ${readErrorReason(err)}`,
      });
      return;
    }
    for (const e of entries) {
      const rel = relDir === "" ? e.name : `${relDir}/${e.name}`;
      if (e.isDirectory()) await this._walk(rel, out);
      else if (e.isFile()) out.push({ rel, kind: "file" });
      else if (e.isSymbolicLink()) out.push(await this._symlinkEntry(rel));
      else {
        // Dirents do not tell every kind apart; lstat does (a FIFO is never opened).
        const st = await lstat(join(this.root, rel)).catch(() => e);
        out.push({ rel, kind: "unreadable", reason: `not a regular file (${_kind(st)})` });
      }
    }
  }

  /** A symbolic link: a file if it leads to one, else the problem (never followed into folders). */
  private async _symlinkEntry(rel: string): Promise<_Entry> {
    const abs = join(this.root, rel);
    try {
      const st = await stat(abs);
      if (st.isDirectory()) {
        return { rel, kind: "unmatched", reason: "symbolic link to a folder (not followed)" };
      }
      return { rel, kind: "file" }; // a regular file, or a FIFO etc. reported when stat'ed
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT") {
        return { rel, kind: "unreadable", reason: readErrorReason(err) };
      }
      const target = await readlink(abs).catch(() => "?");
      return {
        rel,
        kind: "unreadable",
        reason: `dangling symbolic link (target "${target}" does not exist)`,
      };
    }
  }
}

/** The kind of a non-regular file system entry, for messages. */
function _kind(e: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isBlockDevice(): boolean;
  isCharacterDevice(): boolean;
}): string {
  if (e.isDirectory()) return "a folder";
  if (e.isFIFO()) return "a FIFO";
  if (e.isSocket()) return "a socket";
  if (e.isBlockDevice() || e.isCharacterDevice()) return "a device";
  return "an unknown kind of entry";
}
