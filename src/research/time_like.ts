/**
 * Points in time as the research API accepts them, and their conversion to the lake's
 * timeline: Int64 microseconds since the Unix epoch, UTC.
 *
 * @module
 */

/**
 * A point in time: microseconds since the epoch (`number` or `bigint`), a `Date`, or an ISO
 * 8601 string (`"2024-05-01"` is midnight UTC; a string without a zone is read as UTC).
 */
export type TimeLike = number | bigint | Date | string;

const _HAS_ZONE = /(?:[zZ]|[+-]\d{2}:?\d{2})$/;

/**
 * Convert a {@linkcode TimeLike} to microseconds since the Unix epoch (UTC).
 *
 * @param value A number or bigint of microseconds, a `Date`, or an ISO 8601 string.
 * @returns Whole microseconds since the epoch.
 * @throws {RangeError} When a string does not parse as a date, or a number is not an integer.
 * @example
 * ```ts
 * import { toMicros } from "./time_like.ts";
 * if (toMicros("2024-05-01") !== 1_714_521_600_000_000) throw new Error("midnight UTC");
 * if (toMicros(new Date(1_000)) !== 1_000_000) throw new Error("Date in ms");
 * if (toMicros(5n) !== 5) throw new Error("bigint passes through");
 * ```
 */
export function toMicros(value: TimeLike): number {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") {
    if (!Number.isInteger(value)) {
      throw new RangeError(`Cannot use ${value} as a time: expected whole microseconds`);
    }
    return value;
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new RangeError("Cannot use an invalid Date as a time");
    return ms * 1000;
  }
  const text = value.trim();
  // Date-only strings are UTC already; a date-time without a zone is read as UTC too.
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) || _HAS_ZONE.test(text) ? text : `${text}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) {
    throw new RangeError(`Cannot parse "${value}" as a time: expected ISO 8601, e.g. "2024-05-01"`);
  }
  const fraction = /\.(\d{4,6})/.exec(text)?.[1];
  const extraMicros = fraction ? Number(fraction.padEnd(6, "0").slice(3)) : 0;
  return ms * 1000 + extraMicros;
}

/**
 * The UTC calendar date (`YYYY-MM-DD`) of a time in microseconds.
 *
 * @param micros Microseconds since the epoch.
 * @returns The ISO date string.
 * @example
 * ```ts
 * import { utcDate } from "./time_like.ts";
 * if (utcDate(1_714_521_600_000_000 - 1) !== "2024-04-30") throw new Error("day before");
 * ```
 */
export function utcDate(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString().slice(0, 10);
}
