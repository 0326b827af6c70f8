/**
 * Row filters for scans: a small, serialisable predicate language (an AND of simple column
 * conditions), its translation to a Polars expression, and the typed literal rules that file
 * skipping shares.
 *
 * Null semantics follow SQL: a comparison with a null column value is not true, so rows
 * with a null in the column never match `=`, `!=`, `<`, `<=`, `>`, `>=`, `in` or `not in`;
 * use `is null`. A `null` literal in `=`/`!=` means `is null`/`is not null`; `null` entries of
 * an `in` list are ignored.
 *
 * Literal types (when the table schema is known): `long`/`integer`/... take numbers or
 * bigints; `date` takes a `Date` (its UTC day), a `YYYY-MM-DD` string or a day number;
 * `timestamp`/`timestamp_ntz` take a `Date`, an ISO string (microseconds kept) or microseconds
 * as a number or bigint; `string` takes strings; `boolean` takes booleans.
 *
 * @module
 */
import pl from "nodejs-polars";
import { parsePartitionValue } from "./partition_values.ts";
import { type DeltaDataType, deltaToPolars, type StructType } from "./schema.ts";

/** A literal in a predicate. */
export type PredicateValue = string | number | bigint | boolean | Date | null;

/** A comparison operator. */
export type ComparisonOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

/** One condition on one column. */
export type Predicate =
  | [column: string, op: ComparisonOp, value: PredicateValue]
  | [column: string, op: "in" | "not in", values: PredicateValue[]]
  | [column: string, op: "is null" | "is not null"];

/** An AND of conditions; `[]` matches every row. */
export type Filter = Predicate[];

const _COMPARISONS = new Set(["=", "!=", "<", "<=", ">", ">="]);

/**
 * Check the shape of a filter.
 *
 * @param filter The filter.
 * @throws {TypeError} When a predicate is malformed or names an unknown operator.
 *
 * @example
 * ```ts
 * import { validateFilter } from "./predicate.ts";
 * let threw = false;
 * try { validateFilter([["x", "~", 1] as never]); } catch { threw = true; }
 * if (!threw) throw new Error("unknown operator must throw");
 * ```
 */
export function validateFilter(filter: Filter): void {
  if (!Array.isArray(filter)) throw new TypeError("Invalid filter: expected an array");
  for (const p of filter) {
    if (!Array.isArray(p) || typeof p[0] !== "string") {
      throw new TypeError(`Invalid predicate ${JSON.stringify(p)}: expected [column, op, value]`);
    }
    const op = p[1] as string;
    if (_COMPARISONS.has(op)) {
      if (p.length !== 3) {
        throw new TypeError(`Invalid predicate on "${p[0]}": "${op}" takes a value`);
      }
    } else if (op === "in" || op === "not in") {
      if (!Array.isArray(p[2])) {
        throw new TypeError(`Invalid predicate on "${p[0]}": "${op}" takes an array`);
      }
    } else if (op !== "is null" && op !== "is not null") {
      throw new TypeError(`Invalid predicate on "${p[0]}": unknown operator "${op}"`);
    }
  }
}

/** Options of {@linkcode filterToExpr}. */
export interface FilterToExprOptions {
  /**
   * The table schema, to type literals like the columns (dates, timestamps, 64-bit ints).
   * Without it literals are passed to Polars as they are.
   *
   * @default {undefined}
   */
  schema?: StructType;
}

const _DAY_MS = 86_400_000;

/**
 * The column type of a (top-level) column in a schema.
 *
 * @param schema The table schema, or nothing.
 * @param column The column name.
 * @returns Its Delta type, or `undefined`.
 *
 * @example
 * ```ts
 * import { columnType } from "./predicate.ts";
 * const schema = { type: "struct" as const, fields: [{ name: "d", type: "date", nullable: true, metadata: {} }] };
 * if (columnType(schema, "d") !== "date" || columnType(schema, "x") !== undefined) throw new Error("bad");
 * ```
 */
export function columnType(
  schema: StructType | undefined,
  column: string,
): DeltaDataType | undefined {
  return schema?.fields.find((f) => f.name === column)?.type;
}

/**
 * Microseconds since the epoch of a timestamp literal (`Date`, ISO string, µs number/bigint).
 *
 * @param value The literal.
 * @returns Microseconds, or `undefined` when it is not a timestamp.
 *
 * @example
 * ```ts
 * import { timestampMicros } from "./predicate.ts";
 * if (timestampMicros("1970-01-01T00:00:00.000002Z") !== 2n) throw new Error("bad");
 * ```
 */
export function timestampMicros(value: PredicateValue): bigint | undefined {
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isFinite(ms) ? BigInt(ms) * 1000n : undefined;
  }
  if (typeof value === "bigint") return value;
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : undefined;
  if (typeof value === "string") {
    try {
      const v = parsePartitionValue(value, "timestamp");
      return typeof v === "bigint" ? v : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Days since the epoch of a date literal (`Date` = its UTC day, `YYYY-MM-DD`, day number).
 *
 * @param value The literal.
 * @returns Days, or `undefined` when it is not a date.
 *
 * @example
 * ```ts
 * import { dateDays } from "./predicate.ts";
 * if (dateDays("1970-01-03") !== 2) throw new Error("bad");
 * ```
 */
export function dateDays(value: PredicateValue): number | undefined {
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isFinite(ms) ? Math.floor(ms / _DAY_MS) : undefined;
  }
  if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string") {
    const m = /^([+-]?\d{4,})-(\d{2})-(\d{2})$/.exec(value.trim());
    if (!m) return undefined;
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    return Number.isFinite(ms) ? Math.floor(ms / _DAY_MS) : undefined;
  }
  return undefined;
}

/**
 * A Polars literal for a predicate value, typed as the column when its type is known.
 *
 * @param value The value (not null).
 * @param type The column's Delta type, or nothing.
 * @returns The literal expression.
 * @throws {TypeError} When the value does not fit the column type.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { typedLiteral } from "./predicate.ts";
 * const df = pl.DataFrame({ x: [0] }).select(typedLiteral("2024-01-02", "date").alias("d"));
 * if (df.getColumn("d").dtype.variant !== "Date") throw new Error("a date literal");
 * ```
 */
export function typedLiteral(value: PredicateValue, type: DeltaDataType | undefined): pl.Expr {
  if (typeof type !== "string") {
    if (value instanceof Date) return pl.lit(value);
    return pl.lit(value as string | number | boolean);
  }
  const dtype = deltaToPolars(type);
  switch (type) {
    case "date": {
      const d = dateDays(value);
      if (d === undefined) throw new TypeError(`Invalid date literal ${String(value)}`);
      return pl.lit(d).cast(pl.Int32).cast(dtype);
    }
    case "timestamp":
    case "timestamp_ntz": {
      const us = timestampMicros(value);
      if (us === undefined) throw new TypeError(`Invalid timestamp literal ${String(value)}`);
      return pl.lit(String(us)).cast(pl.Int64).cast(dtype);
    }
    case "long":
    case "integer":
    case "short":
    case "byte":
      if (typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value))) {
        return pl.lit(String(value)).cast(pl.Int64).cast(dtype);
      }
      return pl.lit(value as number);
    case "float":
    case "double":
      if (typeof value === "bigint") return pl.lit(Number(value)).cast(dtype);
      return pl.lit(value as number).cast(dtype);
    default:
      if (value instanceof Date) return pl.lit(value);
      return pl.lit(value as string | number | boolean);
  }
}

/** A typed list literal for `in` (long lists), or undefined when the values do not fit. */
function _listLiteral(
  values: PredicateValue[],
  type: DeltaDataType | undefined,
): pl.Expr | undefined {
  if (typeof type !== "string") return undefined;
  const dtype = deltaToPolars(type);
  switch (type) {
    case "string":
      return values.every((v) => typeof v === "string")
        ? pl.lit(pl.Series("values", values as string[], pl.Utf8))
        : undefined;
    case "byte":
    case "short":
    case "integer":
    case "long":
      if (!values.every((v) => typeof v === "bigint" || Number.isInteger(v))) return undefined;
      return pl.lit(pl.Series("values", values.map(String)).cast(pl.Int64).cast(dtype));
    case "float":
    case "double":
      if (!values.every((v) => typeof v === "number")) return undefined;
      return pl.lit(pl.Series("values", values as number[], pl.Float64).cast(dtype));
    case "date": {
      const days = values.map(dateDays);
      if (days.some((d) => d === undefined)) return undefined;
      return pl.lit(pl.Series("values", days as number[], pl.Int32).cast(dtype));
    }
    case "timestamp":
    case "timestamp_ntz": {
      const us = values.map(timestampMicros);
      if (us.some((u) => u === undefined)) return undefined;
      return pl.lit(pl.Series("values", us.map(String)).cast(pl.Int64).cast(dtype));
    }
  }
  return undefined;
}

function _predicateExpr(p: Predicate, schema: StructType | undefined): pl.Expr {
  const col = pl.col(p[0]);
  const type = columnType(schema, p[0]);
  switch (p[1]) {
    case "is null":
      return col.isNull();
    case "is not null":
      return col.isNotNull();
    case "in":
    case "not in": {
      const values = (p[2] as PredicateValue[]).filter((v) => v !== null && v !== undefined);
      if (values.length === 0) {
        // `x in ()` is false; `x not in ()` is true for non-null x
        return p[1] === "in" ? pl.lit(false) : col.isNotNull();
      }
      const list = values.length > 4 ? _listLiteral(values, type) : undefined;
      if (list) return p[1] === "in" ? col.isIn(list) : col.isIn(list).not();
      let any: pl.Expr | undefined;
      for (const v of values) {
        const e = col.eq(typedLiteral(v, type));
        any = any ? any.or(e) : e;
      }
      return p[1] === "in" ? any! : any!.not();
    }
    default: {
      const v = p[2] as PredicateValue;
      if (v === null || v === undefined) {
        if (p[1] === "=") return col.isNull();
        if (p[1] === "!=") return col.isNotNull();
        return pl.lit(false);
      }
      const lit = typedLiteral(v, type);
      switch (p[1]) {
        case "=":
          return col.eq(lit);
        case "!=":
          return col.neq(lit);
        case "<":
          return col.lt(lit);
        case "<=":
          return col.ltEq(lit);
        case ">":
          return col.gt(lit);
        default:
          return col.gtEq(lit);
      }
    }
  }
}

/**
 * The Polars expression of a filter (an AND of its predicates; rows where it is null are
 * dropped by `filter`, which gives SQL semantics).
 *
 * @param filter The filter.
 * @param options The schema for typed literals.
 * @returns A boolean expression; `lit(true)` for an empty filter.
 * @throws {TypeError} When the filter is malformed or a literal does not fit its column.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { filterToExpr } from "./predicate.ts";
 * const df = pl.DataFrame({ x: [1, 2, 3], s: ["a", null, "c"] });
 * const out = df.filter(filterToExpr([["x", ">=", 2], ["s", "is not null"]]));
 * if (out.height !== 1 || out.getColumn("s").get(0) !== "c") throw new Error("bad filter");
 * ```
 */
export function filterToExpr(filter: Filter, options: FilterToExprOptions = {}): pl.Expr {
  validateFilter(filter);
  let all: pl.Expr | undefined;
  for (const p of filter) {
    const e = _predicateExpr(p, options.schema);
    all = all ? all.and(e) : e;
  }
  return all ?? pl.lit(true);
}

/**
 * The columns a filter reads.
 *
 * @param filter The filter.
 * @returns Column names, without duplicates, in first-use order.
 *
 * @example
 * ```ts
 * import { filterColumns } from "./predicate.ts";
 * if (filterColumns([["a", "=", 1], ["b", "is null"], ["a", "<", 3]]).join() !== "a,b") throw new Error("bad");
 * ```
 */
export function filterColumns(filter: Filter): string[] {
  return [...new Set(filter.map((p) => p[0]))];
}
