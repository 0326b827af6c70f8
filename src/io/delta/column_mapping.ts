/**
 * Column mapping on read: the expressions that turn a column as stored in a data file
 * (physical names, possibly an older type) into the table's logical column.
 *
 * With `delta.columnMapping.mode` `name` or `id`, Parquet files use the physical names in
 * field metadata (`delta.columnMapping.physicalName`), at every nesting level. pointline
 * matches columns by physical name in both modes (writers put the physical name in the
 * Parquet schema in `id` mode too; Polars cannot read Parquet field ids).
 *
 * The expression first casts the stored column to the *physical* Polars type (Polars casts
 * structs by field name, so nested fields missing in older files become null, and widened
 * types are cast up), then renames nested fields to their logical names.
 *
 * @module
 */
import pl from "nodejs-polars";
import { binaryLiteral } from "./binary_column.ts";
import {
  type ColumnMappingMode,
  containsBinary,
  type DeltaDataType,
  deltaToPolars,
  physicalName,
  physicalType,
  type StructField,
} from "./schema.ts";

function _hasStruct(t: DeltaDataType): boolean {
  if (typeof t === "string") return false;
  if (t.type === "struct") return true;
  if (t.type === "array") return _hasStruct(t.elementType);
  return _hasStruct(t.keyType) || _hasStruct(t.valueType);
}

/** Rename nested fields of an expression of physical type to logical names. */
function _rename(e: pl.Expr, t: DeltaDataType, mode: ColumnMappingMode): pl.Expr {
  if (typeof t === "string" || mode === "none" || !_hasStruct(t)) return e;
  switch (t.type) {
    case "struct": {
      if (!t.fields.some((f) => _hasStruct(f.type))) {
        return e.struct.renameFields(t.fields.map((f) => f.name));
      }
      const rebuilt = pl.struct(
        t.fields.map((f) =>
          _rename(e.struct.field(physicalName(f, mode)), f.type, mode).alias(f.name)
        ),
      );
      return pl.when(e.isNull()).then(pl.lit(null)).otherwise(rebuilt);
    }
    case "array":
      return e.lst.eval(_rename(pl.element(), t.elementType, mode));
    case "map": {
      const kv = pl.struct([
        _rename(pl.element().struct.field("key"), t.keyType, mode).alias("key"),
        _rename(pl.element().struct.field("value"), t.valueType, mode).alias("value"),
      ]);
      return e.lst.eval(kv);
    }
  }
}

/** Options of {@linkcode logicalColumnExpr}. */
export interface LogicalColumnOptions {
  /**
   * The table's column mapping mode.
   *
   * @default {"none"}
   */
  mode?: ColumnMappingMode;
  /**
   * Whether the file has the column (by physical name); when not, the column is all null.
   *
   * @default {true}
   */
  present?: boolean;
  /**
   * Trust that the file stores simple primitive columns (`byte`, `short`, `integer`, `long`,
   * `float`, `double`, `string`, `boolean`, `date`) with exactly the table type, and add no
   * cast for them (casts cost time even when they change nothing). Only safe when the table
   * never widened a type (no `typeWidening`): then a conforming writer stored that type.
   * Timestamps, decimals and nested types are always cast.
   *
   * @default {false}
   */
  trustPrimitiveTypes?: boolean;
}

const _EXACT_PRIMITIVES = new Set([
  "byte",
  "short",
  "integer",
  "long",
  "float",
  "double",
  "string",
  "boolean",
  "date",
]);

/**
 * The expression reading one logical column from a data file's columns.
 *
 * @param field The logical schema field.
 * @param options Mapping mode, presence in the file, whether to trust primitive types.
 * @returns An expression aliased to the logical name, typed as the schema says (binary
 *   columns, which Polars cannot cast to, are passed through uncast; a missing top-level
 *   binary column is a typed `Binary` null, a missing column with binary nested in it an
 *   untyped null).
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { logicalColumnExpr } from "./column_mapping.ts";
 * const field = { name: "price", type: "long", nullable: true, metadata: { "delta.columnMapping.physicalName": "col-7" } };
 * const df = pl.DataFrame({ "col-7": [1, 2] }).select(logicalColumnExpr(field, { mode: "name" }));
 * if (df.columns[0] !== "price" || df.getColumn("price").dtype.variant !== "Int64") throw new Error("bad");
 * ```
 */
export function logicalColumnExpr(field: StructField, options: LogicalColumnOptions = {}): pl.Expr {
  const mode = options.mode ?? "none";
  const phys = physicalName(field, mode);
  const binary = containsBinary(field.type);
  if (field.type === "void") return pl.lit(null).alias(field.name);
  if (options.present === false) {
    if (field.type === "binary") return binaryLiteral(null).alias(field.name);
    // binary nested in a list or struct: no way to type it in nodejs-polars, left untyped
    return binary
      ? pl.lit(null).alias(field.name)
      : pl.lit(null).cast(deltaToPolars(field.type)).alias(field.name);
  }
  let e = pl.col(phys);
  if (!binary) {
    const trusted = options.trustPrimitiveTypes === true && typeof field.type === "string" &&
      _EXACT_PRIMITIVES.has(field.type);
    if (!trusted) e = e.cast(deltaToPolars(physicalType(field.type, mode)));
  }
  e = _rename(e, field.type, mode);
  return phys === field.name ? e : e.alias(field.name);
}

/**
 * Whether {@linkcode logicalColumnExpr} would return the file column unchanged (present, same
 * name, no cast, no nested renames), so a scan can skip the projection.
 *
 * @param field The logical schema field.
 * @param options As for {@linkcode logicalColumnExpr}.
 * @returns True when the stored column is already the logical column.
 *
 * @example
 * ```ts
 * import { isPassThrough } from "./column_mapping.ts";
 * const f = { name: "x", type: "long", nullable: true, metadata: {} };
 * if (!isPassThrough(f, { trustPrimitiveTypes: true }) || isPassThrough(f, {})) throw new Error("bad");
 * ```
 */
export function isPassThrough(field: StructField, options: LogicalColumnOptions = {}): boolean {
  const mode = options.mode ?? "none";
  if (options.present === false || field.type === "void") return false;
  if (physicalName(field, mode) !== field.name) return false;
  if (mode !== "none" && _hasStruct(field.type)) return false;
  if (containsBinary(field.type)) return true;
  return options.trustPrimitiveTypes === true && typeof field.type === "string" &&
    _EXACT_PRIMITIVES.has(field.type);
}

/**
 * The physical (file) name of each top-level logical column.
 *
 * @param fields The schema's fields.
 * @param mode The column mapping mode.
 * @returns Logical name → physical name.
 *
 * @example
 * ```ts
 * import { physicalNames } from "./column_mapping.ts";
 * const m = physicalNames([{ name: "a", type: "long", nullable: true, metadata: {} }], "none");
 * if (m.get("a") !== "a") throw new Error("bad");
 * ```
 */
export function physicalNames(fields: StructField[], mode: ColumnMappingMode): Map<string, string> {
  return new Map(fields.map((f) => [f.name, physicalName(f, mode)]));
}
