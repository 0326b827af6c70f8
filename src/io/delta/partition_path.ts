/**
 * Hive-style partition folders for Delta data files, and the URI encoding of the paths that
 * `add` and `remove` actions carry.
 *
 * A partition folder is `column=value` per partition column, in table order. The value is the
 * serialized partition value (see `formatPartitionValue` in `partition_values.ts`) with the
 * Hive escape rules applied: control characters and `"#%'*\/:=?\{[]^` plus DEL become `%XX`
 * (upper-case hex). A null (or empty) value is written as `__HIVE_DEFAULT_PARTITION__`.
 *
 * The `path` of an `add` action is a relative URI (RFC 2396), so the folder name is
 * percent-encoded once more: the file `p=a%3Ab/part-0.parquet` on disk is referenced as
 * `p=a%253Ab/part-0.parquet` in the log. Spark and delta-rs do the same.
 *
 * @module
 */

/** The folder name Hive, Spark and delta-rs use for a null partition value. */
export const HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__";

const _HIVE_ESCAPED = new Set([
  '"',
  "#",
  "%",
  "'",
  "*",
  "/",
  ":",
  "=",
  "?",
  "\\",
  "{",
  "[",
  "]",
  "^",
]);

function _hex(code: number): string {
  return "%" + code.toString(16).toUpperCase().padStart(2, "0");
}

/**
 * Escape one serialized partition value for use in a folder name (Hive rules).
 *
 * @param value The serialized partition value; `null` or `""` mean null.
 * @returns The escaped folder-name fragment, or {@linkcode HIVE_DEFAULT_PARTITION} for null.
 * @example
 * ```ts
 * import { escapePartitionValue } from "./partition_path.ts";
 * if (escapePartitionValue("BTC/USD:1") !== "BTC%2FUSD%3A1") throw new Error("bad escape");
 * if (escapePartitionValue(null) !== "__HIVE_DEFAULT_PARTITION__") throw new Error("bad null");
 * ```
 */
export function escapePartitionValue(value: string | null): string {
  if (value === null || value === "") return HIVE_DEFAULT_PARTITION;
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f || _HIVE_ESCAPED.has(ch)) out += _hex(code);
    else out += ch;
  }
  return out;
}

/**
 * Undo {@linkcode escapePartitionValue}.
 *
 * @param fragment An escaped folder-name fragment.
 * @returns The serialized value, or `null` for {@linkcode HIVE_DEFAULT_PARTITION}.
 * @example
 * ```ts
 * import { unescapePartitionValue } from "./partition_path.ts";
 * if (unescapePartitionValue("a%3Ab") !== "a:b") throw new Error("bad unescape");
 * ```
 */
export function unescapePartitionValue(fragment: string): string | null {
  if (fragment === HIVE_DEFAULT_PARTITION) return null;
  return fragment.replace(
    /%([0-9A-Fa-f]{2})/g,
    (_m, h: string) => String.fromCharCode(parseInt(h, 16)),
  );
}

/**
 * The Hive-style partition folder of one set of partition values, as it appears on storage.
 *
 * @param columns The partition columns, in table order.
 * @param values Serialized partition values by column (`null` for null).
 * @returns `a=1/b=x` (no leading or trailing slash), or `""` when `columns` is empty.
 * @throws {TypeError} When a column has no entry in `values`.
 * @example
 * ```ts
 * import { partitionPath } from "./partition_path.ts";
 * const p = partitionPath(["exchange", "date"], { exchange: "binance", date: "2024-01-02" });
 * if (p !== "exchange=binance/date=2024-01-02") throw new Error(p);
 * ```
 */
export function partitionPath(columns: string[], values: Record<string, string | null>): string {
  return columns.map((c) => {
    if (!(c in values)) {
      throw new TypeError(`Cannot build partition path: no value for column "${c}"`);
    }
    return `${escapePartitionValue(c)}=${escapePartitionValue(values[c])}`;
  }).join("/");
}

/**
 * Percent-encode a storage-relative path for the `path` field of an `add`/`remove` action.
 * Unreserved characters, `/` and `=` stay as they are; every other byte of the UTF-8 encoding
 * becomes `%XX`.
 *
 * @param path A `/`-separated path relative to the table root.
 * @returns The URI form of the path.
 * @example
 * ```ts
 * import { encodeActionPath } from "./partition_path.ts";
 * if (encodeActionPath("p=a%3Ab/x.parquet") !== "p=a%253Ab/x.parquet") throw new Error("bad");
 * ```
 */
export function encodeActionPath(path: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(path)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~/=]/.test(ch)) out += ch;
    else out += _hex(byte);
  }
  return out;
}
