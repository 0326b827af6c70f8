/**
 * Fixed-point encoding of prices and amounts: Int64 counts of an increment.
 *
 * Event tables store `px_int = price / price_increment` and `qty_int = amount /
 * amount_increment`, using the increments of the row's point-in-time `dim_symbol` version.
 * Decoding multiplies back by the same increment.
 *
 * Rounding. A value is *on the grid* when `value / increment` is within `tolerance` (default
 * 1e-6, i.e. a millionth of one increment) of a whole number; the tolerance widens to
 * `1e-12 * |value / increment|` for very large counts, where float64 itself cannot be more
 * precise. On-grid values round to that whole number whatever the rounding mode, so float
 * noise such as `9681.92 / 0.01 = 968191.9999999999` never loses a tick. Off-grid values
 * round by the mode: `"nearest"`, `"down"` (bids: never better than quoted) or `"up"`
 * (asks). An off-grid value is a data-quality finding, not a silent rounding:
 * {@linkcode isOnGrid} is the check the event pipeline turns into a row rule.
 *
 * Decoding is exact for decimal increments: when `1 / increment` is a whole number `k`
 * (0.01, 0.001, 0.25, ...), the value is `int / k`, which float64 rounds correctly, so
 * `decode(encode(9681.92))` gives back exactly `9681.92`. Other increments (5, 2.5, ...)
 * multiply. Pass the increment as a column (as after the `dim_symbol` join): Polars divides
 * by a *literal* through its reciprocal, which can be one float64 ulp off.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { Expr } from "../polars_types.ts";

/** How an off-grid value is rounded to a whole number of increments. */
export type Rounding = "nearest" | "down" | "up";

/** The default on-grid tolerance, as a fraction of one increment. */
export const FIXED_POINT_TOLERANCE = 1e-6;

/** Options of {@linkcode encodeFixedPoint} and {@linkcode isOnGrid}. */
export interface FixedPointOptions {
  /**
   * Rounding of off-grid values (on-grid values always round to the nearest whole number).
   * @default "nearest"
   */
  rounding?: Rounding;
  /**
   * On-grid tolerance as a fraction of one increment.
   * @default 1e-6
   */
  tolerance?: number;
}

function _expr(column: string | pl.Expr): pl.Expr {
  return typeof column === "string" ? pl.col(column) : column;
}

function _units(value: string | pl.Expr, increment: string | pl.Expr): pl.Expr {
  return _expr(value).cast(pl.Float64).div(_expr(increment).cast(pl.Float64));
}

function _onGrid(units: pl.Expr, tolerance: number): pl.Expr {
  const off = units.sub(units.round(0)).abs();
  return off.lessThanEquals(pl.lit(tolerance)).or(off.lessThanEquals(units.abs().mul(1e-12)));
}

/**
 * Whether a value is a whole number of increments, within the tolerance.
 *
 * @param value The float column (name or expression).
 * @param increment The increment column (name or expression).
 * @param options Options; only `tolerance` is used.
 * @returns A Boolean expression, null where the value or increment is null.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { isOnGrid } from "./fixed_point.ts";
 * const df = pl.DataFrame({ price: [9681.92, 9681.925], inc: [0.01, 0.01] });
 * const ok = df.select(isOnGrid("price", "inc").alias("ok")).getColumn("ok").toArray();
 * if (ok[0] !== true || ok[1] !== false) throw new Error("9681.925 is off a 0.01 grid");
 * ```
 */
export function isOnGrid(
  value: string | Expr,
  increment: string | Expr,
  options: FixedPointOptions = {},
): Expr {
  return _onGrid(_units(value, increment), options.tolerance ?? FIXED_POINT_TOLERANCE);
}

/**
 * Encode a float column as an Int64 count of increments.
 *
 * @param value The float column (name or expression).
 * @param increment The increment column (name or expression); must be > 0.
 * @param options Rounding of off-grid values and the tolerance.
 * @returns An Int64 expression, null where the value or increment is null.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { encodeFixedPoint } from "./fixed_point.ts";
 * const df = pl.DataFrame({ bid: [9681.92, 9681.925], inc: [0.01, 0.01] });
 * const px = df.select(encodeFixedPoint("bid", "inc", { rounding: "down" }).alias("px"))
 *   .getColumn("px").toArray();
 * if (px[0] !== 968192 || px[1] !== 968192) throw new Error("bids round down off the grid");
 * ```
 */
export function encodeFixedPoint(
  value: string | Expr,
  increment: string | Expr,
  options: FixedPointOptions = {},
): Expr {
  const units = _units(value, increment);
  const nearest = units.round(0);
  const rounding = options.rounding ?? "nearest";
  if (rounding === "nearest") return nearest.cast(pl.Int64);
  const directed = rounding === "down" ? units.floor() : units.ceil();
  const tolerance = options.tolerance ?? FIXED_POINT_TOLERANCE;
  return pl.when(_onGrid(units, tolerance)).then(nearest).otherwise(directed).cast(pl.Int64);
}

/**
 * Decode an Int64 count of increments back to a float.
 *
 * @param value The Int64 column (name or expression), for example `"px_int"`.
 * @param increment The increment column (name or expression), for example `"price_increment"`.
 * @returns A Float64 expression, null where either input is null.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { decodeFixedPoint } from "./fixed_point.ts";
 * const df = pl.DataFrame({ px_int: [968192], price_increment: [0.01] });
 * const price = df.select(decodeFixedPoint("px_int", "price_increment").alias("price"))
 *   .getColumn("price").get(0);
 * if (price !== 9681.92) throw new Error(`expected 9681.92, got ${price}`);
 * ```
 */
export function decodeFixedPoint(value: string | Expr, increment: string | Expr): Expr {
  const count = _expr(value).cast(pl.Float64);
  const inc = _expr(increment).cast(pl.Float64);
  const inverse = pl.lit(1).div(inc);
  const whole = inverse.round(0);
  const decimal = inverse.sub(whole).abs().lessThanEquals(whole.mul(1e-9)).and(whole.gtEq(1));
  return pl.when(decimal).then(count.div(whole)).otherwise(count.mul(inc));
}
