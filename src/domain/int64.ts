/**
 * Exact Int64 values in and out of Polars.
 *
 * The rule: a bigint (or any 64-bit integer) must enter Polars through {@linkcode int64Lit}
 * or {@linkcode int64Series}, and leave it through {@linkcode int64Values}. nodejs-polars
 * gets every other path wrong: `pl.lit(-5n)` is the UInt64 `5` (the sign is dropped), a
 * list of bigints becomes a UInt64 series (so `isIn([-5n])` never matches), `Series.get()`
 * on Int64 returns the low 32 bits, and `toArray()` / `toRecords()` give JavaScript numbers,
 * which round beyond 2^53.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { Expr, Series } from "../polars_types.ts";

const _INT64_MIN = -(2n ** 63n);
const _INT64_MAX = 2n ** 63n - 1n;

/** A 64-bit integer as the helpers accept it: bigint, safe-integer number, or decimal text. */
export type Int64Like = bigint | number | string;

/** The value as a bigint, checked to be an Int64. */
function _toBigInt(value: Int64Like): bigint {
  let big: bigint;
  if (typeof value === "bigint") big = value;
  else if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(
        `Cannot use ${value} as an Int64: numbers must be safe integers; pass a bigint or text`,
      );
    }
    big = BigInt(value);
  } else {
    if (!/^\s*[+-]?\d+\s*$/.test(value)) {
      throw new RangeError(`Cannot use "${value}" as an Int64: expected a whole decimal number`);
    }
    big = BigInt(value.trim());
  }
  if (big < _INT64_MIN || big > _INT64_MAX) {
    throw new RangeError(`Cannot use ${big} as an Int64: outside [-2^63, 2^63 - 1]`);
  }
  return big;
}

/**
 * An exact Int64 literal expression.
 *
 * @param value A bigint, a safe-integer number, or decimal text.
 * @returns A literal of type Int64.
 * @throws {RangeError} When the value is not a whole number within Int64.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { int64Lit, int64Values } from "./int64.ts";
 * const df = pl.DataFrame({ x: [0] }).select(int64Lit(-(2n ** 63n)).alias("v"));
 * if (int64Values(df.getColumn("v"))[0] !== -(2n ** 63n)) throw new Error("exact minimum");
 * ```
 */
export function int64Lit(value: Int64Like): Expr {
  return pl.lit(String(_toBigInt(value))).cast(pl.Int64);
}

/**
 * An exact Int64 series (nulls allowed).
 *
 * @param name The series name.
 * @param values Bigints, safe-integer numbers, decimal text, or nulls (or a `BigInt64Array`).
 * @returns A series of type Int64.
 * @throws {RangeError} When a value is not a whole number within Int64.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { int64Series } from "./int64.ts";
 * const ids = int64Series("symbol_id", [-3012303369023998542n]);
 * const df = pl.DataFrame({ symbol_id: ids });
 * const hit = df.filter(pl.col("symbol_id").isIn(ids.implode()));
 * if (hit.height !== 1) throw new Error("a negative id matches");
 * ```
 */
export function int64Series(
  name: string,
  values: readonly (Int64Like | null)[] | BigInt64Array,
): Series {
  // nodejs-polars builds an exact Int64 series from a BigInt64Array; its typings omit it.
  if (values instanceof BigInt64Array) return pl.Series(name, values as unknown as number[]);
  if (values.every((v) => v !== null && v !== undefined)) {
    const array = BigInt64Array.from(values as Int64Like[], (v) => _toBigInt(v));
    return pl.Series(name, array as unknown as number[]);
  }
  const text = values.map((v) => (v === null || v === undefined ? null : String(_toBigInt(v))));
  return pl.Series(name, text, pl.Utf8).cast(pl.Int64);
}

/**
 * The values of an integer series (Int8 … Int64, UInt8 … UInt64, or a Datetime / Duration
 * read as its stored integer) as exact bigints, nulls as `null`.
 *
 * @param series The series.
 * @returns One bigint (or null) per row.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { int64Series, int64Values } from "./int64.ts";
 * const max = 2n ** 63n - 1n;
 * const back = int64Values(int64Series("v", [max, null]));
 * if (back[0] !== max || back[1] !== null) throw new Error("exact round trip");
 * ```
 */
export function int64Values(series: Series): (bigint | null)[] {
  const variant = String(series.dtype.variant);
  const integer = variant === "Datetime" || variant === "Duration" || variant === "Date"
    ? series.cast(variant === "Date" ? pl.Int32 : pl.Int64)
    : series;
  const text = integer.cast(pl.Utf8).toArray() as (string | null)[];
  return text.map((v) => (v === null ? null : BigInt(v)));
}
