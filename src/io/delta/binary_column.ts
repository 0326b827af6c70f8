/**
 * Delta `binary` columns in Polars frames.
 *
 * Representation (the rule): a Delta `binary` column is a Polars `Binary` column, in scans and
 * in writes, so bytes round-trip exactly (a `Binary` column written by `writeDelta` is a Delta
 * `binary` column, and reads back as `Binary`). nodejs-polars 0.25.2 can compute with such a
 * column (filter, join, compare, write Parquet) but cannot bring it to JS: `df.schema`,
 * `df.dtypes`, `getColumn(c).dtype`, `toRecords()` throw for it, and it has no `Binary` data
 * type to cast to. This module gives what is missing:
 * - {@linkcode binaryAsHex}: the column as lowercase hex text (`"00ff"`; `""` for empty bytes,
 *   null for null), the way to inspect binary data; `show`/`tableView` render binary columns so;
 * - {@linkcode hexAsBinary} and {@linkcode binaryLiteral}: hex text or bytes back to `Binary`
 *   (this is how a binary partition value or an all-null binary column is typed);
 * - {@linkcode polarsTypesOf}: a frame's column types, with `BINARY_DTYPE` for binary columns
 *   (what `df.schema` would say if it could).
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame, DataType, Expr } from "../../polars_types.ts";
import { BINARY_DTYPE } from "./schema.ts";

const _HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const _BYTES = Array.from({ length: 256 }, (_, i) => i);

/**
 * A binary column as lowercase hex text.
 *
 * @param column The column name or a `Binary` expression.
 * @returns A `String` expression (not aliased when given an expression).
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { binaryAsHex, hexAsBinary } from "./binary_column.ts";
 * const df = pl.DataFrame({ h: ["00ff", null, ""] }).select(hexAsBinary(pl.col("h")).alias("b"));
 * const back = df.select(binaryAsHex("b")).getColumn("b").toArray();
 * if (JSON.stringify(back) !== '["00ff",null,""]') throw new Error(JSON.stringify(back));
 * ```
 */
export function binaryAsHex(column: string | Expr): Expr {
  const e = typeof column === "string" ? pl.col(column) : column;
  const hex = e.cast(pl.List(pl.UInt8))
    .lst.eval(pl.element().replaceStrict(_BYTES, _HEX, undefined, pl.Utf8))
    .lst.join("");
  return typeof column === "string" ? hex.alias(column) : hex;
}

/**
 * Hex text as a `Binary` column (strict: text that is not hex fails the query).
 *
 * @param expr A `String` expression of hex digits (either case, even length).
 * @returns A `Binary` expression.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { hexAsBinary } from "./binary_column.ts";
 * const df = pl.DataFrame({ h: ["0102"] }).select(hexAsBinary(pl.col("h")).alias("b"));
 * if (df.height !== 1) throw new Error("one row");
 * ```
 */
export function hexAsBinary(expr: Expr): Expr {
  return expr.str.decode("hex", true);
}

/**
 * A `Binary` literal: the bytes, or a typed null.
 *
 * @param bytes The value, or `null`.
 * @returns A `Binary` literal expression (not aliased).
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { binaryAsHex, binaryLiteral } from "./binary_column.ts";
 * const df = pl.DataFrame({ x: [1] }).select(binaryLiteral(new Uint8Array([1, 171])).alias("b"));
 * if (df.select(binaryAsHex("b")).getColumn("b").get(0) !== "01ab") throw new Error("01ab");
 * ```
 */
export function binaryLiteral(bytes: Uint8Array | null): Expr {
  const hex = bytes === null ? null : Array.from(bytes, (b) => _HEX[b]).join("");
  return hexAsBinary(pl.lit(hex).cast(pl.Utf8));
}

/**
 * A frame's column types, as `df.schema` gives them, except that a `Binary` column (for which
 * `df.schema` throws) is {@linkcode BINARY_DTYPE}.
 *
 * @param df The frame.
 * @returns Column name → Polars data type, in column order.
 * @throws {TypeError} For a column whose type nodejs-polars cannot name and that is not a
 *   top-level `Binary` column (binary nested in a list or struct).
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { hexAsBinary, polarsTypesOf } from "./binary_column.ts";
 * import { isBinaryDtype } from "./schema.ts";
 * const df = pl.DataFrame({ h: ["01"], n: [1] }).select(hexAsBinary(pl.col("h")).alias("b"), pl.col("n"));
 * const types = polarsTypesOf(df);
 * if (!isBinaryDtype(types.b) || types.n.variant !== "Float64") throw new Error("types");
 * ```
 */
export function polarsTypesOf(df: DataFrame): Record<string, DataType> {
  try {
    return df.schema as Record<string, DataType>;
  } catch { /* a column nodejs-polars cannot name: find it */ }
  const out: Record<string, DataType> = {};
  const empty = df.head(0);
  for (const name of df.columns) {
    try {
      out[name] = df.getColumn(name).dtype;
      continue;
    } catch { /* Binary somewhere in it */ }
    try {
      empty.select(pl.col(name).cast(pl.List(pl.UInt8)));
      out[name] = BINARY_DTYPE;
    } catch {
      throw new TypeError(
        `Column "${name}" has a type nodejs-polars cannot name (binary inside a list or struct)`,
      );
    }
  }
  return out;
}
