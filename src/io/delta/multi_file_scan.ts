/**
 * One lazy Polars scan of an exact list of Parquet files (local paths, or object-store URIs with
 * their `cloudOptions`).
 *
 * nodejs-polars' `scanParquet` accepts one path (or a glob, which could match files that are
 * not live), while Polars' scan plan holds a list of paths. So a one-file scan with the wanted
 * options is serialized to JSON, its single source (`{ inner: path }`) is replaced by the
 * list, and the plan is deserialized. When the serialized plan is not of that shape (e.g.
 * after a Polars upgrade) or the result's columns are not the expected ones,
 * {@linkcode multiFileScan} returns `undefined` and the caller reads the files another way.
 *
 * @module
 */
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";

/** Options of {@linkcode multiFileScan}. */
export interface MultiFileScanOptions {
  /**
   * Partition columns to read from `key=value` folder names (Polars' hive partitioning), with
   * their types; they come after the `schema` columns. Only pass this when every folder name
   * is known to hold exactly the right values (see `hive_partition_schema.ts`).
   *
   * @default {undefined} (folder names are ignored)
   */
  hivePartitions?: Record<string, pl.DataType>;
  /**
   * Polars `cloudOptions` for object-store URIs (`s3://...`); every path shares them.
   *
   * @default {undefined} (local paths)
   */
  cloudOptions?: Record<string, string>;
}

/**
 * One lazy scan of exactly these Parquet files (in this order), typed with `schema`:
 * columns a file lacks are inserted as nulls, columns it has beyond `schema` are ignored,
 * narrower integers and floats are widened; any other type difference fails the collect.
 * Paths are literal (never globs).
 *
 * @param paths Absolute local paths or object-store URIs (with `options.cloudOptions`), at
 *   least one.
 * @param schema The data columns to read and their types, in output order.
 * @param options Hive partition columns, cloud options.
 * @returns The lazy frame (columns: `schema`'s, then the hive partition columns), or
 *   `undefined` when Polars' plan is not of the expected shape or a path does not fit the
 *   hive layout.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { join } from "node:path";
 * import { multiFileScan } from "./multi_file_scan.ts";
 * const dir = await Deno.makeTempDir();
 * pl.DataFrame({ x: [1] }).writeParquet(join(dir, "a.parquet"));
 * pl.DataFrame({ x: [2], y: ["extra"] }).writeParquet(join(dir, "b.parquet"));
 * const lf = multiFileScan([join(dir, "a.parquet"), join(dir, "b.parquet")], { x: pl.Float64 });
 * const df = await lf!.collect();
 * await Deno.remove(dir, { recursive: true });
 * if (df.columns.join() !== "x" || df.getColumn("x").toArray().join() !== "1,2") throw new Error("scan");
 * ```
 */
export function multiFileScan(
  paths: string[],
  schema: Record<string, pl.DataType>,
  options: MultiFileScanOptions = {},
): pl.LazyDataFrame | undefined {
  const hive = options.hivePartitions;
  try {
    const template = pl.scanParquet(paths[0], {
      glob: false,
      hivePartitioning: hive !== undefined,
      ...(hive ? { hiveSchema: hive, tryParseHiveDates: true } : {}),
      schema,
      missingColumns: "insert",
      extraColumns: "ignore",
      castOptions: { integerCast: "upcast", floatCast: "upcast" },
      ...(options.cloudOptions ? { cloudOptions: options.cloudOptions } : {}),
    });
    let lf = template;
    if (paths.length > 1) {
      const plan = JSON.parse(template.serialize("json").toString());
      const sources = plan?.Scan?.sources?.Paths;
      const source = (p: string) => ({ inner: p });
      const args = plan?.Scan?.unified_scan_args;
      if (
        !Array.isArray(sources) || sources.length !== 1 ||
        JSON.stringify(sources[0]) !== JSON.stringify(source(paths[0])) ||
        args?.glob !== false || args?.hive_options?.enabled !== (hive !== undefined)
      ) return undefined;
      plan.Scan.sources.Paths = paths.map(source);
      lf = pl.LazyDataFrame.deserialize(Buffer.from(JSON.stringify(plan)), "json");
    }
    // resolving the columns also parses every hive path: a surprise there fails here
    const names = [...Object.keys(schema), ...Object.keys(hive ?? {})];
    const got = lf.columns;
    return got.length === names.length && got.every((c, i) => c === names[i]) ? lf : undefined;
  } catch {
    return undefined;
  }
}
