/**
 * Plain-text tables for job summaries.
 *
 * @module
 */

/** Options of {@linkcode formatTable}. */
export interface FormatTableOptions {
  /** Columns to show, in order. @default {the keys of the first row} */
  columns?: string[];
  /** Columns to right-align. @default {columns whose values are all numbers} */
  alignRight?: string[];
}

/**
 * Format rows as an aligned text table with a header and a rule.
 *
 * @param rows The rows.
 * @param options Columns and alignment.
 * @returns The table; `(no rows)` for an empty list.
 * @example
 * ```ts
 * import { formatTable } from "./table.ts";
 * const t = formatTable([{ table: "trades", rows: 12 }, { table: "quotes", rows: 3 }]);
 * const lines = t.split("\n");
 * if (lines.length !== 4 || !lines[2].endsWith("12")) throw new Error(t);
 * ```
 */
export function formatTable(
  rows: Record<string, unknown>[],
  options: FormatTableOptions = {},
): string {
  if (rows.length === 0) return "(no rows)";
  const columns = options.columns ?? Object.keys(rows[0]);
  const cell = (v: unknown) =>
    v === null || v === undefined ? "" : typeof v === "bigint" ? v.toString() : String(v);
  const right = new Set(
    options.alignRight ??
      columns.filter((c) =>
        rows.every((r) => typeof r[c] === "number" || typeof r[c] === "bigint")
      ),
  );
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    vals.map((v, i) => right.has(columns[i]) ? v.padStart(widths[i]) : v.padEnd(widths[i]))
      .join("  ").trimEnd();
  return [
    line(columns),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ].join("\n");
}
