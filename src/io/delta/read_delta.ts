/**
 * One-call readers: `scanDelta` (lazy) and `readDelta` (eager), as in Polars' Delta adapter.
 *
 * @module
 */
import type { DataFrame, LazyDataFrame } from "../../polars_types.ts";
import { asMissingDataFile } from "./data_file_presence.ts";
import { DeltaTable, type OpenOptions } from "./delta_table.ts";
import type { ScanOptions } from "./scan.ts";

/** Options of {@linkcode readDelta} and {@linkcode scanDelta}: open plus scan options. */
export interface ReadDeltaOptions extends OpenOptions, ScanOptions {}

/**
 * A lazy scan of a Delta table.
 *
 * @param uri A local path, a `file://` or `s3://` URI.
 * @param options Version or timestamp, storage or storage options, columns, filter.
 * @returns The lazy frame.
 * @throws {TableNotFoundError} When there is no table.
 * @throws {VersionNotFoundError} For a version or time outside the log.
 * @throws {CorruptLogError} For an inconsistent log.
 * @throws {UnsupportedFeatureError} For an unsupported reader feature.
 *
 * @example
 * ```ts
 * import { scanDelta } from "./read_delta.ts";
 * let failed = false;
 * try { await scanDelta("/nonexistent/table"); } catch (e) { failed = (e as Error).name === "TableNotFoundError"; }
 * if (!failed) throw new Error("expected TableNotFoundError");
 * ```
 */
export async function scanDelta(
  uri: string,
  options: ReadDeltaOptions = {},
): Promise<LazyDataFrame> {
  const table = await DeltaTable.open(uri, options);
  return await table.scan({ columns: options.columns, filter: options.filter });
}

/**
 * Read a Delta table into a DataFrame (`scanDelta(...)` collected).
 *
 * @param uri A local path, a `file://` or `s3://` URI.
 * @param options Version or timestamp, storage or storage options, columns, filter.
 * @returns The rows.
 * @throws See {@linkcode scanDelta}; also {@linkcode MissingDataFileError} when Polars, reading
 *   from an object store, fails on a live file the storage does not hold.
 *
 * @example
 * ```ts ignore
 * import { readDelta } from "./read_delta.ts";
 * const df = await readDelta("./lake/silver/dim_symbol", { filter: [["is_current", "=", true]] });
 * ```
 */
export async function readDelta(
  uri: string,
  options: ReadDeltaOptions = {},
): Promise<DataFrame> {
  const table = await DeltaTable.open(uri, options);
  const frame = await table.scan({ columns: options.columns, filter: options.filter });
  try {
    return await frame.collect();
  } catch (e) {
    // Polars read the files itself (an object store): name a live file storage lacks
    const context = { table: table.storage.root, version: table.version };
    for (const add of table.scanFiles(options.filter ?? [])) {
      const err = await asMissingDataFile(e, table.storage, add.path, context);
      if (err !== e) throw err;
    }
    throw e;
  }
}
