/**
 * A small, storage-agnostic description of a table's columns, shared by every table.
 *
 * The domain checks and conforms DataFrames with it; the IO layer turns it into a Delta
 * schema. Conforming casts only where the cast is lossless (for example Int32 to Int64, or
 * an all-null column to any type) and rejects anything else with the column named.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame, DataType } from "../polars_types.ts";

/** Column types a pointline table may use. */
export type ColumnType =
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "float64"
  | "boolean"
  | "utf8"
  | "date"
  | { list: ColumnType };

/** One column of a table. */
export interface ColumnSpec {
  /** Column name, snake_case. */
  name: string;
  /** Logical type. */
  type: ColumnType;
  /** Whether nulls are allowed. */
  nullable: boolean;
  /** One-line meaning of the column. */
  doc: string;
}

/** A table: its columns, partition columns and sort order. */
export interface TableSchema {
  /** Table name, as registered in `TABLE_PATHS`. */
  name: string;
  /** Columns, in storage order. */
  columns: readonly ColumnSpec[];
  /** Partition columns (a subset of `columns`); empty for an unpartitioned table. */
  partitionBy: readonly string[];
  /** Sort order of rows within a write. */
  sortBy: readonly string[];
}

/** A DataFrame that does not fit a table schema. */
export class TableSchemaError extends Error {
  /** Columns that are missing, extra, wrongly typed or wrongly null. */
  readonly columns: string[];
  /**
   * Create the error.
   *
   * @param message What is wrong.
   * @param columns The offending columns.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, columns: string[], options?: ErrorOptions) {
    super(message, options);
    this.name = "TableSchemaError";
    this.columns = columns;
  }
}

/**
 * The Polars data type of a column type.
 *
 * @param type A column type.
 * @returns The matching Polars data type.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { polarsType } from "./table_schema.ts";
 * if (!polarsType("int64").equals(pl.Int64)) throw new Error("int64 maps to Int64");
 * ```
 */
export function polarsType(type: ColumnType): DataType {
  if (typeof type === "object") return pl.List(polarsType(type.list));
  switch (type) {
    case "int8":
      return pl.Int8;
    case "int16":
      return pl.Int16;
    case "int32":
      return pl.Int32;
    case "int64":
      return pl.Int64;
    case "float64":
      return pl.Float64;
    case "boolean":
      return pl.Bool;
    case "utf8":
      // nodejs-polars frames carry `String`; its `Utf8` constant does not compare equal to it.
      return pl.String;
    case "date":
      return pl.Date;
  }
}

/** Casts that never lose information, by target Polars type name. */
const _LOSSLESS_SOURCES: Record<string, readonly string[]> = {
  Int16: ["Int8", "UInt8"],
  Int32: ["Int8", "Int16", "UInt8", "UInt16"],
  Int64: ["Int8", "Int16", "Int32", "UInt8", "UInt16", "UInt32"],
  Float64: ["Float32", "Int8", "Int16", "Int32", "UInt8", "UInt16"],
};

function _typeName(dtype: pl.DataType): string {
  const inner = (dtype as unknown as { inner?: pl.DataType[] }).inner;
  if (dtype.variant === "List" && inner?.[0]) return `List(${_typeName(inner[0])})`;
  return String(dtype.variant ?? dtype.toString());
}

const _INTEGER_TYPES = new Set(["Int8", "Int16", "Int32", "Int64"]);

/** Whether `from` casts to `to` without loss, looking at the values where that decides. */
function _isLossless(series: pl.Series, from: string, to: string): boolean {
  if ((_LOSSLESS_SOURCES[to] ?? []).includes(from)) return true;
  if (from.startsWith("List(") && to.startsWith("List(")) {
    const inner = (t: string) => t.slice(5, -1);
    return inner(from) === inner(to) || (_LOSSLESS_SOURCES[inner(to)] ?? []).includes(inner(from));
  }
  // JavaScript numbers arrive as Float64: accept them for integer columns when every value
  // is whole and survives the round trip.
  if (from === "Float64" && _INTEGER_TYPES.has(to)) {
    const values = series.dropNulls();
    if (values.length === 0) return true;
    const back = values.cast(polarsType(to.toLowerCase() as ColumnType), false);
    return back.nullCount() === 0 && Boolean(back.cast(pl.Float64).equals(values).all());
  }
  return false;
}

/**
 * Conform a DataFrame to a table schema: select the schema's columns in order, cast
 * losslessly where needed, and check nullability.
 *
 * @param df The frame to conform; extra columns are an error.
 * @param schema The target schema.
 * @returns A frame with exactly the schema's columns and types.
 * @throws {TableSchemaError} When a column is missing, extra, of a type that cannot be
 * cast losslessly, or null where the schema forbids it; the message names every such column.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { conformToSchema, type TableSchema } from "./table_schema.ts";
 * const schema: TableSchema = {
 *   name: "t",
 *   columns: [{ name: "id", type: "int64", nullable: false, doc: "id" }],
 *   partitionBy: [],
 *   sortBy: ["id"],
 * };
 * const out = conformToSchema(pl.DataFrame({ id: pl.Series("id", [1, 2], pl.Int32) }), schema);
 * if (!out.getColumn("id").dtype.equals(pl.Int64)) throw new Error("not widened");
 * ```
 */
export function conformToSchema(df: DataFrame, schema: TableSchema): DataFrame {
  const wanted = new Set(schema.columns.map((c) => c.name));
  const problems: string[] = [];
  const names: string[] = [];
  for (const name of df.columns) {
    if (!wanted.has(name)) {
      problems.push(`"${name}" is not a column of ${schema.name}`);
      names.push(name);
    }
  }
  const exprs: pl.Expr[] = [];
  for (const col of schema.columns) {
    if (!df.columns.includes(col.name)) {
      problems.push(`"${col.name}" is missing`);
      names.push(col.name);
      continue;
    }
    const series = df.getColumn(col.name);
    const target = polarsType(col.type);
    if (!series.dtype.equals(target)) {
      const from = _typeName(series.dtype);
      const allNull = series.nullCount() === series.length;
      const lossless = allNull || _isLossless(series, from, _typeName(target));
      if (!lossless) {
        problems.push(`"${col.name}" is ${from}, expected ${_typeName(target)}`);
        names.push(col.name);
        continue;
      }
    }
    if (!col.nullable && series.nullCount() > 0) {
      problems.push(`"${col.name}" has ${series.nullCount()} null value(s) but is not nullable`);
      names.push(col.name);
      continue;
    }
    exprs.push(pl.col(col.name).cast(target));
  }
  if (problems.length > 0) {
    throw new TableSchemaError(
      `DataFrame does not fit table "${schema.name}": ${problems.join("; ")}`,
      names,
    );
  }
  return df.select(...exprs);
}

/**
 * An empty DataFrame with the schema's columns and types.
 *
 * @param schema The table schema.
 * @returns A zero-row frame.
 * @example
 * ```ts
 * import { emptyFrame, type TableSchema } from "./table_schema.ts";
 * const schema: TableSchema = {
 *   name: "t",
 *   columns: [{ name: "id", type: "int64", nullable: false, doc: "id" }],
 *   partitionBy: [],
 *   sortBy: [],
 * };
 * if (emptyFrame(schema).height !== 0) throw new Error("not empty");
 * ```
 */
export function emptyFrame(schema: TableSchema): DataFrame {
  // Built from a typed null literal: nodejs-polars cannot build an empty List series directly.
  return pl.DataFrame({ _seed: [null] })
    .select(...schema.columns.map((c) => pl.lit(null).cast(polarsType(c.type)).alias(c.name)))
    .head(0);
}
