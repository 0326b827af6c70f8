/**
 * When may a scan take partition values from folder names?
 *
 * Partition values come from the log's `partitionValues`, never from folder names: writers
 * may name folders anyhow, or not at all. But reading the values from the paths (Polars' hive
 * partitioning) lets one Polars scan read every file, which is much faster than one scan per
 * partition with the values added as literals. So {@linkcode hivePartitionSchema} checks,
 * for every file, that what Polars would parse from its path is exactly what the log says,
 * and says no otherwise. Polars (0.54), on a local path:
 * - takes every folder segment of the whole absolute path (the table root's too) holding
 *   exactly one `=` and no `*` in its value as `key=value`;
 * - percent-decodes the value (`%XX` with two hex digits; other `%` kept), and skips the
 *   segment when the result is not UTF-8;
 * - reads `__HIVE_DEFAULT_PARTITION__` as null, and an empty value as `""` (not null);
 * - parses the value as the column type (CSV rules).
 *
 * So a file qualifies when its folder segments are exactly `col=value`, one per partition
 * column in table order, whose decoded `value` is the log's string (no control characters),
 * or `__HIVE_DEFAULT_PARTITION__` for a null (or `""`) log value; and the column type is one whose canonical strings Polars parses exactly: string,
 * boolean, integers in plain decimal, dates as `YYYY-MM-DD`. Anything else (timestamps,
 * decimals, floats, odd names, values the log spells differently) is left to the literal
 * path.
 *
 * @module
 */
import type pl from "nodejs-polars";
import type { AddAction } from "./actions.ts";
import { parsePartitionValue, rawPartitionValue } from "./partition_values.ts";
import { deltaToPolars, type StructType } from "./schema.ts";

/** Options of {@linkcode hivePartitionSchema}. */
export interface HivePartitionSchemaOptions {
  /** The table schema (no column mapping: folder names are logical names). */
  schema: StructType;
  /** The partition columns, in table order. */
  partitionColumns: readonly string[];
}

const _NULL_FOLDER = "__HIVE_DEFAULT_PARTITION__";
const _INT = /^-?(?:0|[1-9][0-9]*)$/;
const _CANONICAL: Record<string, RegExp> = {
  // deno-lint-ignore no-control-regex -- control characters are what it rejects
  string: /^[^\u0000-\u001f\u007f]*$/,
  boolean: /^(?:true|false)$/,
  byte: _INT,
  short: _INT,
  integer: _INT,
  long: _INT,
  date: /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/,
};

const _UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Polars' decoding of a folder value (Rust `percent_decode` + `decode_utf8`); `undefined` if not UTF-8. */
function _percentDecode(value: string): string | undefined {
  if (!value.includes("%")) return value;
  const src = new TextEncoder().encode(value);
  const out: number[] = [];
  const hex = (b: number) => (b >= 48 && b <= 57) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102);
  for (let i = 0; i < src.length; i++) {
    if (src[i] === 37 && i + 2 < src.length && hex(src[i + 1]) && hex(src[i + 2])) {
      out.push(parseInt(String.fromCharCode(src[i + 1], src[i + 2]), 16));
      i += 2;
    } else out.push(src[i]);
  }
  try {
    return _UTF8.decode(new Uint8Array(out));
  } catch {
    return undefined;
  }
}

/**
 * The hive schema (partition column → Polars type) under which Polars reads exactly the
 * log's partition values from these files' paths, or `undefined` when some file's path does
 * not provably give them (see the module doc).
 *
 * @param paths The files' absolute local paths or `s3://` URIs (`/`-separated; a URI's scheme and
 *   bucket segments hold no `=`), in the order of `files`.
 * @param files The files' `add` actions (their `partitionValues` are the truth).
 * @param options Schema and partition columns.
 * @returns The hive schema, in partition column order, or `undefined`.
 *
 * @example
 * ```ts
 * import { hivePartitionSchema } from "./hive_partition_schema.ts";
 * const schema = { type: "struct" as const, fields: [
 *   { name: "x", type: "long", nullable: true, metadata: {} },
 *   { name: "p", type: "string", nullable: true, metadata: {} },
 * ] };
 * const add = (path: string, p: string | null) =>
 *   ({ path, partitionValues: { p }, size: 1, modificationTime: 0, dataChange: true });
 * const opts = { schema, partitionColumns: ["p"] };
 * const ok = hivePartitionSchema(["/t/p=a/1.parquet", "/t/p=__HIVE_DEFAULT_PARTITION__/2.parquet"],
 *   [add("p=a/1.parquet", "a"), add("p=__HIVE_DEFAULT_PARTITION__/2.parquet", null)], opts);
 * if (ok?.p === undefined) throw new Error("folders match the log");
 * // the folder says "b", the log says "a": the log wins, so no hive read
 * if (hivePartitionSchema(["/t/p=b/1.parquet"], [add("p=b/1.parquet", "a")], opts)) throw new Error("mismatch");
 * ```
 */
export function hivePartitionSchema(
  paths: readonly string[],
  files: readonly AddAction[],
  options: HivePartitionSchemaOptions,
): Record<string, pl.DataType> | undefined {
  const columns = options.partitionColumns;
  if (columns.length === 0 || paths.length !== files.length) return undefined;
  const fields = columns.map((c) => options.schema.fields.find((f) => f.name === c));
  const out: Record<string, pl.DataType> = {};
  for (const f of fields) {
    if (!f || typeof f.type !== "string" || !_CANONICAL[f.type]) return undefined;
    if (f.name.includes("=") || f.name.includes("*") || f.name.includes("%")) return undefined;
    out[f.name] = deltaToPolars(f.type);
  }
  // values already checked, per folder and log values (files of a partition share both)
  const seen = new Set<string>();
  for (let i = 0; i < paths.length; i++) {
    const segments = paths[i].split("/");
    segments.pop(); // the file name is never a partition
    const parts: [string, string][] = [];
    for (const s of segments) {
      const kv = s.split("=");
      if (kv.length !== 2 || kv[1].includes("*")) continue;
      const value = _percentDecode(kv[1]);
      if (value !== undefined) parts.push([kv[0], value]);
    }
    if (parts.length !== columns.length) return undefined;
    const key = JSON.stringify([parts, files[i].partitionValues ?? {}]);
    if (seen.has(key)) continue;
    for (let c = 0; c < columns.length; c++) {
      const f = fields[c]!;
      const [name, folderValue] = parts[c];
      if (name !== f.name) return undefined;
      const raw = rawPartitionValue(files[i].partitionValues, f);
      if (raw === null || raw === "") {
        if (folderValue !== _NULL_FOLDER) return undefined;
        continue;
      }
      if (folderValue !== raw || raw === _NULL_FOLDER) return undefined;
      if (!_CANONICAL[f.type as string].test(raw)) return undefined;
      try {
        parsePartitionValue(raw, f.type); // ranges, real dates: else the literal path reports it
      } catch {
        return undefined;
      }
    }
    seen.add(key);
  }
  return out;
}
