/**
 * File skipping: decide from the log alone whether a data file may hold rows matching a
 * filter. Partition columns are evaluated exactly on the file's partition values; other
 * columns use the per-file statistics (`minValues`, `maxValues`, `nullCount`,
 * `numRecords`).
 *
 * Always conservative: `true` ("may match") whenever unsure. In particular:
 * - string `max` values may be truncated prefixes (Spark keeps 32 characters): a literal
 *   above `max` that starts with it may still be in the file; strings with characters
 *   outside the Basic Multilingual Plane's lower part (UTF-16 order differs from UTF-8
 *   order) are never used;
 * - timestamp bounds written with millisecond precision are widened by 999 µs both ways;
 * - `float` bounds and literals are compared as float32 (Polars compares a Float32 column
 *   with the literal cast to Float32), with one ulp of slack;
 * - columns widened by type widening (`delta.typeChanges` in their metadata) use no min/max
 *   (older files' bounds are in the old type);
 * - 64-bit integer bounds beyond 2^53 (not exact after JSON parsing), NaN, decimal, binary
 *   and nested columns are never used;
 * - a missing or unparsable `stats` means "may match".
 *
 * Pure: no IO.
 *
 * @module
 */
import type { AddAction } from "./actions.ts";
import { parsePartitionValue, rawPartitionValue } from "./partition_values.ts";
import {
  dateDays,
  type Filter,
  type Predicate,
  type PredicateValue,
  timestampMicros,
} from "./predicate.ts";
import type { DeltaDataType, StructField, StructType } from "./schema.ts";

/** Parsed file statistics. */
interface _Stats {
  numRecords?: number;
  minValues?: Record<string, unknown>;
  maxValues?: Record<string, unknown>;
  nullCount?: Record<string, unknown>;
}

const _statsCache = new WeakMap<AddAction, _Stats | null>();

function _stats(add: AddAction): _Stats | null {
  if (_statsCache.has(add)) return _statsCache.get(add)!;
  let s: _Stats | null = null;
  if (typeof add.stats === "string" && add.stats.length > 0) {
    try {
      const v = JSON.parse(add.stats);
      if (v && typeof v === "object") s = v as _Stats;
    } catch {
      s = null;
    }
  }
  _statsCache.set(add, s);
  return s;
}

/** A comparable key: numbers and bigints compare with each other, strings with strings. */
type _Key = number | bigint | string | boolean;

/** A bound interval of the values in a file: [lo, hi]. */
interface _Range {
  lo: _Key;
  hi: _Key;
  /** The `hi` bound may be a truncated string prefix. */
  hiMaybeTruncated?: boolean;
}

const _MAX_SAFE = Number.MAX_SAFE_INTEGER;
const _INTS = new Set(["byte", "short", "integer", "long"]);

function _unsafeString(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0xd800) return true;
  return false;
}

/** Convert a literal to a key of the column type, or undefined when unsure. */
function _litKey(v: PredicateValue, type: string): _Key | undefined {
  if (v === null || v === undefined) return undefined;
  if (_INTS.has(type)) {
    if (typeof v === "bigint") return v;
    if (typeof v === "number" && Number.isFinite(v)) return v;
    return undefined;
  }
  switch (type) {
    case "float":
      // compared in float32, as Polars compares a Float32 column with a literal cast to it
      if (typeof v === "number") return Number.isNaN(v) ? undefined : Math.fround(v);
      if (typeof v === "bigint") return Math.fround(Number(v));
      return undefined;
    case "double":
      if (typeof v === "number") return Number.isNaN(v) ? undefined : v;
      if (typeof v === "bigint") return Number(v);
      return undefined;
    case "string":
      return typeof v === "string" && !_unsafeString(v) ? v : undefined;
    case "boolean":
      return typeof v === "boolean" ? v : undefined;
    case "date":
      return dateDays(v);
    case "timestamp":
    case "timestamp_ntz":
      return timestampMicros(v);
  }
  return undefined;
}

function _statKey(v: unknown, type: string): _Key | undefined {
  if (v === null || v === undefined) return undefined;
  if (_INTS.has(type)) {
    return typeof v === "number" && Number.isInteger(v) && Math.abs(v) <= _MAX_SAFE ? v : undefined;
  }
  switch (type) {
    case "float":
      // float32 values written as their shortest decimal: recover the float32 value
      return typeof v === "number" && !Number.isNaN(v) ? Math.fround(v) : undefined;
    case "double":
      return typeof v === "number" && !Number.isNaN(v) ? v : undefined;
    case "string":
      return typeof v === "string" && !_unsafeString(v) ? v : undefined;
    case "boolean":
      return typeof v === "boolean" ? v : undefined;
    case "date":
      return typeof v === "string" ? dateDays(v) : undefined;
    case "timestamp":
    case "timestamp_ntz":
      return typeof v === "string" ? timestampMicros(v) : undefined;
  }
  return undefined;
}

function _lt(a: _Key, b: _Key): boolean {
  return (a as number) < (b as number);
}

function _eq(a: _Key, b: _Key): boolean {
  return !_lt(a, b) && !_lt(b, a);
}

/** The value range of a column in a file, from its stats, or undefined when unknown. */
function _range(stats: _Stats, phys: string, type: string): _Range | undefined {
  const rawLo = stats.minValues?.[phys];
  const rawHi = stats.maxValues?.[phys];
  let lo = _statKey(rawLo, type);
  let hi = _statKey(rawHi, type);
  if (lo === undefined || hi === undefined) return undefined;
  if ((type === "timestamp" || type === "timestamp_ntz") && typeof lo === "bigint") {
    // millisecond-truncated bounds: widen unless they carry microseconds
    const fracLo = /\.(\d+)/.exec(String(rawLo))?.[1] ?? "";
    const fracHi = /\.(\d+)/.exec(String(rawHi))?.[1] ?? "";
    if (fracLo.length < 6) lo = lo - 999n;
    if (fracHi.length < 6) hi = (hi as bigint) + 999n;
  }
  if (type === "float" && typeof lo === "number" && typeof hi === "number") {
    // one float32 ulp of slack either way, in case a writer rounded differently
    lo = lo - Math.abs(lo) * 2 ** -23 - Number.MIN_VALUE;
    hi = hi + Math.abs(hi) * 2 ** -23 + Number.MIN_VALUE;
  }
  return { lo, hi, hiMaybeTruncated: type === "string" };
}

/** Whether some value in [lo, hi] may be >= v (or > v when strict). */
function _hiAtLeast(r: _Range, v: _Key, strict: boolean): boolean {
  if (strict ? _lt(v, r.hi) : !_lt(r.hi, v)) return true;
  // a truncated string max: the real max starts with r.hi, so it may exceed v only when v
  // itself extends r.hi
  return !!r.hiMaybeTruncated && typeof v === "string" && v.startsWith(r.hi as string);
}

function _loAtMost(r: _Range, v: _Key, strict: boolean): boolean {
  return strict ? _lt(r.lo, v) : !_lt(v, r.lo);
}

function _num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function _physical(field: StructField): string {
  const p = field.metadata?.["delta.columnMapping.physicalName"];
  return typeof p === "string" && p !== "" ? p : field.name;
}

/** Evaluate a predicate on a (non-null or null) partition value exactly; undefined if unsure. */
function _partitionMatch(
  p: Predicate,
  raw: string | null,
  type: DeltaDataType,
): boolean | undefined {
  if (typeof type !== "string") return undefined;
  let parsed: unknown;
  try {
    parsed = parsePartitionValue(raw, type);
  } catch {
    return undefined;
  }
  const isNull = parsed === null;
  if (p[1] === "is null") return isNull;
  if (p[1] === "is not null") return !isNull;
  if (p[1] === "=" && p[2] === null) return isNull;
  if (p[1] === "!=" && p[2] === null) return !isNull;
  if (isNull) return false; // SQL: comparisons with null are not true
  const key: _Key | undefined = type === "date" || type === "timestamp" || type === "timestamp_ntz"
    ? _statKey(raw, type)
    : typeof parsed === "bigint"
    ? parsed
    : _statKey(parsed, type);
  if (key === undefined) return undefined;
  const litOf = (v: PredicateValue) => _litKey(v, type);
  switch (p[1]) {
    case "in":
    case "not in": {
      const values = (p[2] as PredicateValue[]).filter((v) => v !== null && v !== undefined);
      let hit = false;
      for (const v of values) {
        const k = litOf(v);
        if (k === undefined) return undefined;
        if (_eq(k, key)) hit = true;
      }
      return p[1] === "in" ? hit : !hit;
    }
    default: {
      const k = litOf(p[2] as PredicateValue);
      if (k === undefined) return undefined;
      switch (p[1]) {
        case "=":
          return _eq(key, k);
        case "!=":
          return !_eq(key, k);
        case "<":
          return _lt(key, k);
        case "<=":
          return !_lt(k, key);
        case ">":
          return _lt(k, key);
        case ">=":
          return !_lt(key, k);
      }
    }
  }
  return undefined;
}

/** Whether the file may match one predicate on a data column, using its stats. */
function _statsMayMatch(p: Predicate, stats: _Stats, field: StructField): boolean {
  const type = field.type;
  const phys = _physical(field);
  const numRecords = _num(stats.numRecords);
  const nulls = _num(stats.nullCount?.[phys]);
  const allNull = numRecords !== undefined && nulls !== undefined && nulls === numRecords;
  const op = p[1];
  if (op === "is null") return nulls === undefined || nulls > 0;
  if (op === "is not null") return !allNull;
  if ((op === "=" || op === "!=") && (p[2] === null || p[2] === undefined)) {
    return op === "=" ? nulls === undefined || nulls > 0 : !allNull;
  }
  if (allNull && numRecords! > 0) return false; // no non-null value can match a comparison
  if (numRecords === 0) return false;
  if (typeof type !== "string") return true;
  // a widened column: older files' stats are in the old type (e.g. float32 decimals), unusable
  if (field.metadata?.["delta.typeChanges"] !== undefined) return true;
  const r = _range(stats, phys, type);
  if (!r) return true;
  switch (op) {
    case "=": {
      const v = _litKey(p[2] as PredicateValue, type);
      if (v === undefined) return true;
      return _loAtMost(r, v, false) && _hiAtLeast(r, v, false);
    }
    case "in": {
      const values = (p[2] as PredicateValue[]).filter((v) => v !== null && v !== undefined);
      for (const raw of values) {
        const v = _litKey(raw, type);
        if (v === undefined) return true;
        if (_loAtMost(r, v, false) && _hiAtLeast(r, v, false)) return true;
      }
      return false;
    }
    case "!=": {
      const v = _litKey(p[2] as PredicateValue, type);
      if (v === undefined || r.hiMaybeTruncated) return true;
      // every non-null value equals v only when lo == hi == v
      return !(_eq(r.lo, v) && _eq(r.hi, v));
    }
    case "<": {
      const v = _litKey(p[2] as PredicateValue, type);
      return v === undefined || _loAtMost(r, v, true);
    }
    case "<=": {
      const v = _litKey(p[2] as PredicateValue, type);
      return v === undefined || _loAtMost(r, v, false);
    }
    case ">": {
      const v = _litKey(p[2] as PredicateValue, type);
      return v === undefined || _hiAtLeast(r, v, true);
    }
    case ">=": {
      const v = _litKey(p[2] as PredicateValue, type);
      return v === undefined || _hiAtLeast(r, v, false);
    }
  }
  return true; // "not in" and anything else: unsure
}

/**
 * Whether a file may hold rows matching the filter (false means it certainly holds none).
 *
 * @param filter The filter (an AND of predicates).
 * @param add The file's `add` action (stats and partition values).
 * @param schema The table schema (logical names; column mapping metadata honoured).
 * @param partitionColumns The partition columns.
 * @returns False only when the file can be skipped.
 *
 * @example
 * ```ts
 * import { fileMayMatch } from "./file_skipping.ts";
 * const schema = { type: "struct" as const, fields: [
 *   { name: "x", type: "long", nullable: true, metadata: {} },
 *   { name: "p", type: "string", nullable: true, metadata: {} },
 * ] };
 * const add = { path: "f", partitionValues: { p: "a" }, size: 1, modificationTime: 0, dataChange: true,
 *   stats: '{"numRecords":3,"minValues":{"x":10},"maxValues":{"x":20},"nullCount":{"x":0}}' };
 * if (fileMayMatch([["x", ">", 20]], add, schema, ["p"])) throw new Error("x > max must skip");
 * if (!fileMayMatch([["x", "=", 15]], add, schema, ["p"])) throw new Error("x = 15 may match");
 * if (fileMayMatch([["p", "=", "b"]], add, schema, ["p"])) throw new Error("partition p=b must skip");
 * ```
 */
export function fileMayMatch(
  filter: Filter,
  add: AddAction,
  schema: StructType,
  partitionColumns: string[],
): boolean {
  if (filter.length === 0) return true;
  for (const p of filter) {
    const field = schema.fields.find((f) => f.name === p[0]);
    if (!field) continue; // unknown column: the exact filter will report it
    if (partitionColumns.includes(p[0])) {
      const raw = rawPartitionValue(add.partitionValues, field);
      if (_partitionMatch(p, raw, field.type) === false) return false;
      continue;
    }
    const stats = _stats(add);
    if (!stats) continue;
    if (!_statsMayMatch(p, stats, field)) return false;
  }
  return true;
}
