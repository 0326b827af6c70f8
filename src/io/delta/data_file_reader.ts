/**
 * Reading one live data file of a table back into a Polars frame, with its partition values
 * attached and every table column present, typed as in the table schema. The writer needs this
 * to rewrite files (overwrite with a row predicate, merge, delete, optimize).
 *
 * Polars reads the file itself where it can: in place on local storage, or through its own
 * object store (`s3://` URI and `cloudOptions` from the storage's `polarsSource`); other
 * storages hand over the bytes.
 *
 * @module
 */
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import type { AddAction } from "./actions.ts";
import { binaryLiteral } from "./binary_column.ts";
import { asMissingDataFile } from "./data_file_presence.ts";
import { UnsupportedFeatureError } from "./errors.ts";
import { partitionValuesToExprs } from "./partition_values.ts";
import { deltaToPolars, type StructType } from "./schema.ts";
import type { ObjectStorage } from "./storage.ts";

/** Options of {@linkcode readDataFile}. */
export interface ReadDataFileOptions {
  /** The table schema. */
  schema: StructType;
  /** The partition columns, in table order. */
  partitionColumns: string[];
  /**
   * The table version whose log lists the file, for the message when it is missing.
   *
   * @default {undefined} (the message names no version)
   */
  version?: number;
}

/**
 * Read one data file (an `add` of a snapshot, path decoded) as a frame of the table schema.
 *
 * @param storage Storage rooted at the table root.
 * @param add The file's `add` action (snapshot form: decoded relative path).
 * @param options Table schema and partition columns.
 * @returns All rows of the file, columns in schema order; columns the file lacks are null.
 * @throws {UnsupportedFeatureError} When the file has a deletion vector.
 * @throws {MissingDataFileError} When storage lacks the file.
 * @throws Other storage errors.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { readDataFile } from "./data_file_reader.ts";
 * import { MemoryStorage } from "./memory_storage.ts";
 * const s = new MemoryStorage();
 * await s.put("p=a/f.parquet", new Uint8Array(pl.DataFrame({ x: [1, 2] }).writeParquet()));
 * const schema = { type: "struct" as const, fields: [
 *   { name: "x", type: "double", nullable: true, metadata: {} },
 *   { name: "p", type: "string", nullable: true, metadata: {} },
 * ] };
 * const add = { path: "p=a/f.parquet", partitionValues: { p: "a" }, size: 1, modificationTime: 0, dataChange: true };
 * const df = await readDataFile(s, add, { schema, partitionColumns: ["p"] });
 * if (df.height !== 2 || df.getColumn("p").get(0) !== "a") throw new Error("bad read");
 * ```
 */
export async function readDataFile(
  storage: ObjectStorage,
  add: AddAction,
  options: ReadDataFileOptions,
): Promise<pl.DataFrame> {
  if (add.deletionVector) {
    throw new UnsupportedFeatureError(
      "deletionVectors",
      `Cannot rewrite "${add.path}": files with deletion vectors are not supported by the writer`,
    );
  }
  const local = storage.localPath?.(add.path);
  const remote = local === undefined ? storage.polarsSource?.(add.path) : undefined;
  let raw: pl.DataFrame;
  try {
    raw = local !== undefined
      ? pl.readParquet(local)
      : remote !== undefined
      ? await pl.scanParquet(remote.path, {
        glob: false,
        hivePartitioning: false,
        ...(remote.cloudOptions ? { cloudOptions: remote.cloudOptions } : {}),
      }).collect()
      : pl.readParquet(Buffer.from(await storage.read(add.path)));
  } catch (e) {
    const table = storage.localPath?.("") ?? storage.root;
    throw await asMissingDataFile(e, storage, add.path, { table, version: options.version });
  }
  const partExprs = partitionValuesToExprs(add.partitionValues, {
    schema: options.schema,
    partitionColumns: options.partitionColumns,
  });
  let df = options.partitionColumns.length > 0 ? raw.withColumns(...partExprs) : raw;
  // strict: a stored value that does not fit the table type fails the rewrite, never nulls
  df = df.select(...strictSchemaExprs(options.schema, df.columns));
  return df;
}

/**
 * One expression per table column that casts a frame's column to its table type strictly (a
 * value that does not fit fails instead of becoming null, at any nesting depth), or gives a
 * typed null column when the frame lacks it. Binary columns are taken as they are: Polars has
 * no Binary type to cast to from JS.
 *
 * @param schema The table schema.
 * @param columns The frame's column names.
 * @returns Expressions in schema order, for `df.select(...)`.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { strictSchemaExprs } from "./data_file_reader.ts";
 * const schema = { type: "struct" as const, fields: [
 *   { name: "x", type: "long", nullable: true, metadata: {} },
 *   { name: "y", type: "string", nullable: true, metadata: {} },
 * ] };
 * const df = pl.DataFrame({ x: [1] }).select(...strictSchemaExprs(schema, ["x"]));
 * if (df.columns.join() !== "x,y" || df.getColumn("y").nullCount() !== 1) throw new Error("cast");
 * ```
 */
export function strictSchemaExprs(schema: StructType, columns: string[]): pl.Expr[] {
  const have = new Set(columns);
  return schema.fields.map((f) => {
    if (f.type === "binary") {
      return have.has(f.name) ? pl.col(f.name) : binaryLiteral(null).alias(f.name);
    }
    const dtype = deltaToPolars(f.type);
    return have.has(f.name)
      ? pl.col(f.name).cast(dtype, true).alias(f.name)
      : pl.lit(null).cast(dtype).alias(f.name);
  });
}
