/**
 * Live data files must exist: a file the log lists but storage lacks is reported as a
 * {@linkcode MissingDataFileError} naming the table, the version and the file, before Polars
 * is asked to read it (Polars' own message names neither the table nor the version).
 *
 * Local files are checked with one `stat` each (in parallel) when a scan is planned; files on
 * other storage are checked when they are read (see {@linkcode asMissingDataFile}).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { AddAction } from "./actions.ts";
import { MissingDataFileError } from "./errors.ts";
import { FileNotFoundError, type ObjectStorage } from "./storage.ts";

/** Where a table's files are, for messages: the table root and the version read. */
export interface DataFileContext {
  /** The table root (path or URI). */
  table: string;
  /** The version whose log lists the files, when known. */
  version: number | undefined;
}

/**
 * The local path of a data file, or `undefined` when it is not on the local file system.
 *
 * @param storage Storage rooted at the table.
 * @param path The file's path as the log gives it (decoded): relative, absolute or a URI.
 * @returns The local path, or `undefined` for a non-local URI or storage.
 * @example
 * ```ts
 * import { localDataPath } from "./data_file_presence.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * if (localDataPath(new MemoryStorage(), "file:///t/a.parquet") !== "/t/a.parquet") throw new Error();
 * if (localDataPath(new MemoryStorage(), "a.parquet") !== undefined) throw new Error("not local");
 * ```
 */
export function localDataPath(storage: ObjectStorage, path: string): string | undefined {
  if (path.startsWith("file:")) return fileURLToPath(path);
  if (path.startsWith("/")) return path;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path)) return undefined;
  return storage.localPath?.(path);
}

/**
 * Fail when a local data file is missing (files on other storage are not checked here).
 *
 * @param storage Storage rooted at the table.
 * @param files The `add` actions about to be read (snapshot form: decoded paths).
 * @param context Table root and version, for the message.
 * @throws {MissingDataFileError} For the first missing file (in `files` order).
 * @example
 * ```ts
 * import { assertLocalDataFilesPresent } from "./data_file_presence.ts";
 * import { LocalStorage } from "./local_storage.ts";
 * const dir = await Deno.makeTempDir();
 * const add = { path: "gone.parquet", partitionValues: {}, size: 1, modificationTime: 0, dataChange: true };
 * let name = "";
 * try {
 *   await assertLocalDataFilesPresent(new LocalStorage(dir), [add], { table: dir, version: 3 });
 * } catch (e) { name = (e as Error).name; }
 * await Deno.remove(dir, { recursive: true });
 * if (name !== "MissingDataFileError") throw new Error("expected MissingDataFileError");
 * ```
 */
export async function assertLocalDataFilesPresent(
  storage: ObjectStorage,
  files: AddAction[],
  context: DataFileContext,
): Promise<void> {
  const found = await Promise.all(files.map(async (add) => {
    const local = localDataPath(storage, add.path);
    if (local === undefined) return true;
    try {
      return (await Deno.stat(local)).isFile;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        return false;
      }
      throw e;
    }
  }));
  const i = found.indexOf(false);
  if (i >= 0) throw new MissingDataFileError(context.table, context.version, files[i].path);
}

/**
 * The error to throw for a failed read of a data file: a {@linkcode MissingDataFileError} when
 * the file is missing (storage says so for this very key, the local file does not exist, or,
 * for a file Polars read from an object store itself, a `head` finds no object), else the error
 * unchanged (a missing deletion vector, for example, is not this file's fault).
 *
 * @param error What the read threw.
 * @param storage Storage rooted at the table.
 * @param path The data file's path as the log gives it.
 * @param context Table root and version, for the message.
 * @returns The error to throw.
 * @example
 * ```ts
 * import { asMissingDataFile } from "./data_file_presence.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * import { FileNotFoundError } from "./storage.ts";
 * const e = await asMissingDataFile(new FileNotFoundError("a.parquet"), new MemoryStorage(), "a.parquet", { table: "t", version: 0 });
 * if ((e as Error).name !== "MissingDataFileError") throw new Error("expected MissingDataFileError");
 * ```
 */
export async function asMissingDataFile(
  error: unknown,
  storage: ObjectStorage,
  path: string,
  context: DataFileContext,
): Promise<unknown> {
  let missing = error instanceof FileNotFoundError && error.path === path;
  const local = localDataPath(storage, path);
  if (!missing && local !== undefined) {
    missing = await Deno.stat(local).then(
      (st) => !st.isFile,
      (e) => e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory,
    );
  } else if (!missing && storage.polarsSource && !/^[a-zA-Z][a-zA-Z0-9+.-]*:|^\//.test(path)) {
    // Polars read it from the object store itself: its error does not say "missing" in a way
    // to rely on, so ask the storage
    missing = await storage.head(path).then(() => false, (e) => e instanceof FileNotFoundError);
  }
  return missing
    ? new MissingDataFileError(context.table, context.version, path, { cause: error })
    : error;
}
