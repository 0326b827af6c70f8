/**
 * A {@linkcode BronzeSource} over a local folder.
 *
 * Walks the folder recursively (sorted, symlinked folders not followed), recognises each file
 * with {@linkcode parseBronzePath}, and hashes the recognised ones by streaming them through
 * `node:crypto` (a file is never held in memory whole for hashing). Files in neither layout are
 * reported through `onUnmatched` with the reason. Instrument metadata under
 * `tardis/instruments/` is a known non-event file and is skipped without a report.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { isInstrumentsPath, parseBronzePath } from "./bronze_layout.ts";
import type {
  BronzeFileCandidate,
  BronzeFileMetadata,
  BronzeSource,
  ListFilesOptions,
} from "./protocols.ts";

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
  return new RegExp(`^${re}$`);
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
    const paths: string[] = [];
    await this._walk("", paths);
    paths.sort();
    for (const rel of paths) {
      if (!re.test(rel)) continue;
      if (isInstrumentsPath(rel)) continue;
      const parsed = parseBronzePath(rel);
      if (!parsed.ok) {
        options.onUnmatched?.({ bronze_path: rel, reason: parsed.reason });
        continue;
      }
      const abs = join(this.root, rel);
      const st = await stat(abs);
      const { info } = parsed;
      const candidate: BronzeFileCandidate = {
        vendor: info.vendor,
        exchange: info.exchange,
        data_type: info.data_type,
        symbol: info.symbol,
        date: info.date,
        bronze_path: rel,
        file_size_bytes: st.size,
        last_modified_ts: Math.round((st.mtimeMs ?? 0) * 1000),
      };
      if (options.filter && !options.filter(candidate)) continue;
      yield { ...candidate, sha256: await sha256File(abs) };
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
    const abs = resolve(this.root, bronzePath);
    if (abs !== this.root && !abs.startsWith(this.root + sep)) {
      throw new RangeError(`Bronze path "${bronzePath}" escapes the bronze root`);
    }
    const bytes = await readFile(abs);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength); // a view, no copy
  }

  /** Collect into `out` the paths of the files under `relDir`, recursively. */
  private async _walk(relDir: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(join(this.root, relDir), { withFileTypes: true });
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT" && relDir === "") return;
      throw err;
    }
    for (const e of entries) {
      const rel = relDir === "" ? e.name : `${relDir}/${e.name}`;
      if (e.isDirectory()) await this._walk(rel, out);
      else if (e.isFile()) out.push(rel);
      else if (e.isSymbolicLink()) {
        const st = await stat(join(this.root, rel)).catch(() => undefined);
        if (st?.isFile()) out.push(rel);
      }
    }
  }
}
