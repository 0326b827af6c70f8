/**
 * Partition values: the strings of `add.partitionValues`, parsed per column type and
 * formatted back, following the protocol's "Partition Value Serialization".
 *
 * - A JSON `null` and an empty string mean a null partition value, for every type (so a
 *   string partition can never hold `""`; Spark and delta-rs write such values as null).
 * - The strings in `partitionValues` are the values themselves. The `%XX` escapes seen in data
 *   file paths (`part=a%20b/...`) belong to the path and are decoded once by the log layer
 *   when it reads `add.path`; nothing here URL-decodes.
 * - Timestamps come in two legal forms: `2024-01-01 10:00:00[.ffffff]` (Spark; read as UTC, as
 *   delta-rs and kernel-rs do) and ISO-8601 adjusted to UTC, `2024-01-01T10:00:00.000000Z`
 *   (an explicit `±HH:MM` offset is applied). Up to 9 fraction digits are accepted;
 *   digits beyond microseconds are truncated.
 *
 * JS values per type: `byte`/`short`/`integer`/`float`/`double` → `number`, `long` → `bigint`,
 * `boolean` → `boolean`, `string` → `string`, `decimal(p,s)` → `string` (exact, as written),
 * `date` → `Date` at UTC midnight, `timestamp`/`timestamp_ntz` → `bigint` microseconds since
 * the epoch (ntz: wall-clock read as UTC), `binary` → `Uint8Array`.
 *
 * Binary values: a string made only of `\u00XX` escapes (6 characters each, as delta-rs writes
 * them) is those bytes; any other string is text whose UTF-8 encoding is the bytes (as Spark
 * and delta-rs read them). Formatting writes bytes that are UTF-8 text as that text, other
 * bytes as escapes (delta-rs 1.6.6 and Spark then read the escape text itself, as they do
 * for delta-rs's own escaped values). Empty bytes, like an empty string, are a null value.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { Expr } from "../../polars_types.ts";
import { CorruptLogError, UnsupportedFeatureError } from "./errors.ts";
import { binaryLiteral } from "./binary_column.ts";
import { decimalParams, type DeltaDataType, deltaToPolars, type StructType } from "./schema.ts";

/** A parsed partition value (see the module doc for the JS type of each Delta type). */
export type PartitionValue = string | number | bigint | boolean | Date | Uint8Array | null;

const _INT_RANGES: Record<string, [number, number]> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  integer: [-2147483648, 2147483647],
};
const _INT_RE = /^[+-]?\d+$/;
const _FLOAT_RE = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Infinity|NaN)$/;
const _DECIMAL_VALUE_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const _DATE_RE = /^([+-]?\d{4,})-(\d{1,2})-(\d{1,2})$/;
const _TS_RE =
  /^([+-]?\d{4,})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const _MIN_LONG = -(2n ** 63n);
const _ESCAPED_BYTES_RE = /^(?:\\u00[0-9a-fA-F]{2})+$/;
const _MAX_LONG = 2n ** 63n - 1n;

function _bad(raw: string, type: DeltaDataType, why?: string): CorruptLogError {
  return new CorruptLogError(
    `Cannot parse partition value "${raw}" as ${JSON.stringify(type)}${why ? `: ${why}` : ""}`,
  );
}

function _utcMillis(y: number, m: number, d: number, h = 0, mi = 0, s = 0): number | undefined {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  date.setUTCHours(h, mi, s, 0);
  const ok = date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 &&
    date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s;
  return ok ? date.getTime() : undefined;
}

function _parseTimestamp(raw: string, type: DeltaDataType): bigint {
  const m = _TS_RE.exec(raw.trim());
  if (!m) throw _bad(raw, type, "expected YYYY-MM-DD HH:MM:SS[.ffffff] or ISO-8601");
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = _utcMillis(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s ?? 0));
  if (ms === undefined) throw _bad(raw, type, "not a valid date and time");
  let us = BigInt(ms) * 1000n + BigInt((frac ?? "").padEnd(6, "0").slice(0, 6) || "0");
  if (zone && zone.toUpperCase() !== "Z") {
    const sign = zone[0] === "-" ? -1n : 1n;
    const digits = zone.slice(1).replace(":", "");
    const offsetMin = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    us -= sign * offsetMin * 60_000_000n;
  }
  return us;
}

/**
 * Parse one partition value string.
 *
 * @param raw The string from `add.partitionValues` (`null` or `""` means null).
 * @param type The column's Delta type (a primitive).
 * @returns The JS value (see the module doc), or `null`.
 * @throws {CorruptLogError} When the string is not a valid value of the type.
 * @throws {UnsupportedFeatureError} For a nested or unknown partition column type.
 * @example
 * ```ts
 * import { parsePartitionValue } from "./partition_values.ts";
 * if (parsePartitionValue("2024-01-01 10:00:00", "timestamp") !== 1704103200000000n) throw new Error("ts");
 * if (parsePartitionValue("2024-01-01T10:00:00.000000Z", "timestamp") !== 1704103200000000n) throw new Error("iso");
 * if (parsePartitionValue("", "integer") !== null) throw new Error("empty is null");
 * ```
 */
export function parsePartitionValue(raw: string | null, type: DeltaDataType): PartitionValue {
  if (raw === null || raw === undefined || raw === "") return null;
  if (typeof type !== "string") {
    throw new UnsupportedFeatureError(
      `partition:${type.type}`,
      `Unsupported partition column type "${type.type}": partition columns must be primitive`,
    );
  }
  switch (type) {
    case "string":
      return raw;
    case "byte":
    case "short":
    case "integer": {
      const t = raw.trim();
      if (!_INT_RE.test(t)) throw _bad(raw, type);
      const n = Number(t);
      const [lo, hi] = _INT_RANGES[type];
      if (n < lo || n > hi) throw _bad(raw, type, "out of range");
      return n;
    }
    case "long": {
      const t = raw.trim();
      if (!_INT_RE.test(t)) throw _bad(raw, type);
      const n = BigInt(t);
      if (n < _MIN_LONG || n > _MAX_LONG) throw _bad(raw, type, "out of range");
      return n;
    }
    case "float":
    case "double": {
      const t = raw.trim();
      if (!_FLOAT_RE.test(t)) throw _bad(raw, type);
      return Number(t);
    }
    case "boolean": {
      const t = raw.trim().toLowerCase();
      if (t === "true") return true;
      if (t === "false") return false;
      throw _bad(raw, type, 'expected "true" or "false"');
    }
    case "date": {
      const m = _DATE_RE.exec(raw.trim());
      const ms = m ? _utcMillis(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
      if (ms === undefined) throw _bad(raw, type, "expected YYYY-MM-DD");
      return new Date(ms);
    }
    case "timestamp":
    case "timestamp_ntz":
      return _parseTimestamp(raw, type);
    case "binary": {
      // delta-rs writes each byte as the 6-character text `\u00XX`
      if (_ESCAPED_BYTES_RE.test(raw)) {
        const hex = raw.split("\\u").slice(1);
        return new Uint8Array(hex.map((h) => parseInt(h, 16)));
      }
      // otherwise the value is text and the bytes are its UTF-8 encoding (Spark, delta-rs)
      return new TextEncoder().encode(raw);
    }
  }
  if (decimalParams(type)) {
    const t = raw.trim();
    if (!_DECIMAL_VALUE_RE.test(t)) throw _bad(raw, type);
    return t;
  }
  throw new UnsupportedFeatureError(
    `partition:${type}`,
    `Unsupported partition column type "${type}"`,
  );
}

function _pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function _formatDate(d: Date): string {
  const y = d.getUTCFullYear();
  const ys = y < 0 ? `-${_pad(-y, 4)}` : _pad(y, 4);
  return `${ys}-${_pad(d.getUTCMonth() + 1)}-${_pad(d.getUTCDate())}`;
}

function _toMicros(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (value instanceof Date) return BigInt(value.getTime()) * 1000n;
  throw new TypeError(
    `Cannot format ${
      String(value)
    } as a timestamp: expected bigint or integer microseconds, or a Date`,
  );
}

/**
 * Format a value as a partition value string (the inverse of {@linkcode parsePartitionValue}).
 *
 * `timestamp` is written as ISO-8601 UTC with six fraction digits
 * (`2024-01-01T10:00:00.000000Z`, the protocol's recommendation); `timestamp_ntz` as
 * `2024-01-01 10:00:00.000000`; `date` as `YYYY-MM-DD`.
 *
 * @param value The value: see the module doc for accepted JS types (timestamps also accept a
 *   `Date` or integer microseconds as a `number`; dates also accept `YYYY-MM-DD` strings;
 *   decimals accept strings, numbers and bigints).
 * @param type The column's Delta type.
 * @returns The string, or `null` for a null value.
 * @throws {TypeError} When the value does not fit the type.
 * @example
 * ```ts
 * import { formatPartitionValue } from "./partition_values.ts";
 * if (formatPartitionValue(1704103200000000n, "timestamp") !== "2024-01-01T10:00:00.000000Z") throw new Error("ts");
 * if (formatPartitionValue(new Date(Date.UTC(2024, 0, 2)), "date") !== "2024-01-02") throw new Error("date");
 * ```
 */
export function formatPartitionValue(value: unknown, type: DeltaDataType): string | null {
  if (value === null || value === undefined) return null;
  if (typeof type !== "string") {
    throw new TypeError(`Cannot format a partition value of nested type "${type.type}"`);
  }
  const fail = (why: string) =>
    new TypeError(`Cannot format ${String(value)} as a "${type}" partition value: ${why}`);
  switch (type) {
    case "string":
      if (typeof value !== "string") throw fail("expected a string");
      return value;
    case "byte":
    case "short":
    case "integer":
    case "long": {
      const big = typeof value === "bigint"
        ? value
        : typeof value === "number" && Number.isInteger(value)
        ? BigInt(value)
        : undefined;
      if (big === undefined) throw fail("expected an integer");
      const [lo, hi] = type === "long" ? [_MIN_LONG, _MAX_LONG] : _INT_RANGES[type].map(BigInt);
      if (big < lo || big > hi) throw fail("out of range");
      return big.toString();
    }
    case "float":
    case "double":
      if (typeof value !== "number") throw fail("expected a number");
      return String(value);
    case "boolean":
      if (typeof value !== "boolean") throw fail("expected a boolean");
      return value ? "true" : "false";
    case "date": {
      if (typeof value === "string") {
        const parsed = parsePartitionValue(value, "date");
        if (!(parsed instanceof Date)) throw fail("expected YYYY-MM-DD");
        return _formatDate(parsed);
      }
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw fail("expected a Date");
      return _formatDate(value);
    }
    case "timestamp":
    case "timestamp_ntz": {
      const us = _toMicros(value);
      const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
      const micros = Number(us - ms * 1000n);
      const d = new Date(Number(ms));
      const time = `${_pad(d.getUTCHours())}:${_pad(d.getUTCMinutes())}:${_pad(d.getUTCSeconds())}`;
      const frac = _pad(d.getUTCMilliseconds() * 1000 + micros, 6);
      return type === "timestamp"
        ? `${_formatDate(d)}T${time}.${frac}Z`
        : `${_formatDate(d)} ${time}.${frac}`;
    }
    case "binary": {
      if (!(value instanceof Uint8Array)) throw fail("expected a Uint8Array");
      // bytes that are UTF-8 text are written as that text (what Spark and delta-rs read);
      // others (and text that looks like escapes) as delta-rs's `\u00XX` escapes
      let text: string | undefined;
      try {
        text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(value);
      } catch { /* not UTF-8 */ }
      if (text !== undefined && !_ESCAPED_BYTES_RE.test(text)) return text;
      return Array.from(value, (b) => `\\u00${b.toString(16).padStart(2, "0")}`).join("");
    }
  }
  if (decimalParams(type)) {
    if (typeof value === "string" && _DECIMAL_VALUE_RE.test(value.trim())) return value.trim();
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
    throw fail("expected a decimal string, number or bigint");
  }
  throw fail("unsupported partition column type");
}

/** Options of {@linkcode partitionValuesToExprs}. */
export interface PartitionValuesToExprsOptions {
  /** The table schema (logical names; field metadata used for column mapping). */
  schema: StructType;
  /** The logical partition column names, in table order. */
  partitionColumns: readonly string[];
}

/**
 * The raw partition value of a field in an `add.partitionValues` map. With column mapping the
 * map is keyed by physical name; the logical name is the fallback.
 *
 * @param partitionValues The file's partition values.
 * @param field The partition column's schema field.
 * @returns The raw string, or `null` when absent or null.
 * @example
 * ```ts
 * import { rawPartitionValue } from "./partition_values.ts";
 * const f = { name: "d", type: "date", nullable: true, metadata: { "delta.columnMapping.physicalName": "col-9" } };
 * if (rawPartitionValue({ "col-9": "2024-01-01" }, f) !== "2024-01-01") throw new Error("physical key");
 * ```
 */
export function rawPartitionValue(
  partitionValues: Record<string, string | null> | undefined,
  field: { name: string; metadata?: Record<string, unknown> },
): string | null {
  if (!partitionValues) return null;
  const phys = field.metadata?.["delta.columnMapping.physicalName"];
  if (typeof phys === "string" && Object.hasOwn(partitionValues, phys)) {
    return partitionValues[phys] ?? null;
  }
  return Object.hasOwn(partitionValues, field.name) ? partitionValues[field.name] ?? null : null;
}

function _literal(value: PartitionValue, type: string, dtype: pl.DataType): pl.Expr {
  if (type === "binary") return binaryLiteral(value as Uint8Array | null);
  if (value === null) return pl.lit(null).cast(dtype);
  switch (type) {
    case "string":
    case "boolean":
      return pl.lit(value as string | boolean);
    case "long":
    case "float":
    case "double":
      // Through a string: exact for 64-bit integers, and keeps NaN / Infinity (a JS NaN literal
      // becomes null in nodejs-polars).
      return pl.lit(String(value)).cast(dtype);
    case "byte":
    case "short":
    case "integer":
      return pl.lit(value as number).cast(dtype);
    case "date":
      return pl.lit(Math.round((value as Date).getTime() / 86_400_000)).cast(pl.Int32).cast(dtype);
    case "timestamp":
    case "timestamp_ntz":
      return pl.lit(String(value)).cast(pl.Int64).cast(dtype);
  }
  if (decimalParams(type)) return pl.lit(value as string).cast(dtype);
  throw new UnsupportedFeatureError(
    `partition:${type}`,
    `Unsupported partition column type "${type}" for a Polars literal`,
  );
}

/**
 * Polars literal expressions holding one file's partition values, one per partition column,
 * typed by the table schema and aliased to the logical column names: add them to the file's
 * scan with `withColumns`.
 *
 * @param partitionValues The file's `add.partitionValues` (physical or logical keys).
 * @param options Schema and partition columns.
 * @returns One expression per partition column, in `partitionColumns` order.
 * @throws {CorruptLogError} When a partition column is not in the schema or a value is invalid.
 * @throws {UnsupportedFeatureError} For nested partition columns.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { partitionValuesToExprs } from "./partition_values.ts";
 * const schema = { type: "struct" as const, fields: [{ name: "n", type: "long", nullable: true, metadata: {} }] };
 * const df = pl.DataFrame({ x: [1] }).withColumns(...partitionValuesToExprs({ n: "42" }, { schema, partitionColumns: ["n"] }));
 * if (df.getColumn("n").dtype.variant !== "Int64" || Number(df.getColumn("n").get(0)) !== 42) throw new Error("literal");
 * ```
 */
export function partitionValuesToExprs(
  partitionValues: Record<string, string | null> | undefined,
  options: PartitionValuesToExprsOptions,
): Expr[] {
  return options.partitionColumns.map((name) => {
    const field = options.schema.fields.find((f) => f.name === name);
    if (!field) {
      throw new CorruptLogError(`Partition column "${name}" is not in the table schema`);
    }
    if (typeof field.type !== "string") {
      const t = typeof field.type === "string" ? field.type : field.type.type;
      throw new UnsupportedFeatureError(
        `partition:${t}`,
        `Unsupported partition column type "${t}" for column "${name}"`,
      );
    }
    const value = parsePartitionValue(rawPartitionValue(partitionValues, field), field.type);
    return _literal(value, field.type, deltaToPolars(field.type)).alias(name);
  });
}
